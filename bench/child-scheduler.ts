/**
 * A real scheduler in a process of its own, for the end-to-end benchmarks: startScheduler
 * with SQLite (synchronous=FULL, as shipped) in the data directory given as argv[2], on a
 * free loopback port. It prints one JSON line once it serves: the port, and how long the
 * start took from the process's own start (store load and recovery included).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { schedulerConfig } from '../src/config/config.js';
import { startScheduler } from '../src/scheduler/daemon.js';
import { createLogger } from '../src/util/log.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: child-scheduler.ts DATA_DIR');

const startedMs = performance.now();
// How long the event loop was held up, for diagnosis (SIGUSR2 below).
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const config = schedulerConfig({}, { listen: '127.0.0.1:0', dataDir });
const running = await startScheduler(config, createLogger('scheduler'));
process.stdout.write(
  `${JSON.stringify({
    port: running.server.port,
    startMs: performance.now() - startedMs,
    sinceProcessStartMs: performance.now(),
  })}\n`,
);

const stop = (): void => {
  void running.stop().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
// SIGUSR2 writes the heap's make-up and the event loop's delays (milliseconds, since the
// last SIGUSR2) to memory.json in the data directory, for diagnosis.
process.on('SIGUSR2', () => {
  const spaces = getHeapSpaceStatistics().map((s) => ({
    space: s.space_name,
    sizeMb: s.space_size / 1e6,
    usedMb: s.space_used_size / 1e6,
  }));
  const usage = process.memoryUsage();
  const ms = (ns: number): number => ns / 1e6;
  const eventLoopDelay = {
    p50Ms: ms(loopDelay.percentile(50)),
    p99Ms: ms(loopDelay.percentile(99)),
    maxMs: ms(loopDelay.max),
  };
  loopDelay.reset();
  const report = { usage, spaces, eventLoopDelay };
  writeFileSync(join(dataDir, 'memory.json'), JSON.stringify(report, null, 1));
});
process.once('SIGINT', stop);
