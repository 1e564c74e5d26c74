/**
 * Latency of single requests. Open loop: submits sent at a fixed rate (half the maximum
 * measured by the submit bench) whatever the replies do, each timed from its intended send
 * time, from submit to the reply that names the node (the assignment is durable by then).
 * Round trips: one request in flight, SubmitJob and GetJob, beside the echo round trip.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SubmitJobRequest } from '../src/api/gen/tgp/v1/tgp.js';
import { SchedulerApi } from '../src/api/client.js';
import {
  benchSpec,
  closedLoop,
  EchoClient,
  FakeWorkers,
  openLoop,
  roomyNodes,
  spawnChild,
  summariseLatency,
  type LatencySummary,
  type OpenLoopFigure,
} from './grpc-load.js';
import { startBenchScheduler } from './submit.js';

interface Running {
  api: SchedulerApi;
  /** The scheduler's event loop delays since the last call (child-scheduler.ts, SIGUSR2). */
  loopDelay(): Promise<LoopDelay>;
  stop(): Promise<void>;
}

/** How long the scheduler's event loop was held up, milliseconds. */
export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function runningScheduler(nodes: number): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'tgp-bench-latency-'));
  const sched = await startBenchScheduler(dir);
  const address = `127.0.0.1:${sched.ready.port}`;
  const workers = new FakeWorkers(address);
  await workers.start(roomyNodes(nodes));
  const api = new SchedulerApi(address);
  // Warm up the connection and the JIT before anything is timed.
  await closedLoop(16, 1, (i) => api.submitJob({ spec: benchSpec(`warm-${i}`) }));
  return {
    api,
    loopDelay: async () => {
      const report = join(dir, 'memory.json');
      rmSync(report, { force: true });
      sched.process.kill('SIGUSR2');
      for (let i = 0; i < 100 && !existsSync(report); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      return (JSON.parse(readFileSync(report, 'utf8')) as { eventLoopDelay: LoopDelay })
        .eventLoopDelay;
    },
    stop: async () => {
      api.close();
      workers.stop();
      await sched.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface OpenLoopResult {
  /** The unary maximum the rate was derived from, submits per second. */
  maxPerS: number;
  figure: OpenLoopFigure;
  /**
   * The scheduler's own event loop delay over the run: what of the latency it caused,
   * apart from the load generator sharing the machine's cores.
   */
  schedulerLoopDelay: LoopDelay;
}

export async function runOpenLoopBench(maxPerS: number, seconds: number): Promise<OpenLoopResult> {
  const s = await runningScheduler(100);
  try {
    await s.loopDelay();
    const figure = await openLoop(maxPerS / 2, seconds, (i) =>
      s.api.submitJob({ spec: benchSpec(`open-${i}`) }),
    );
    return { maxPerS, figure, schedulerLoopDelay: await s.loopDelay() };
  } finally {
    await s.stop();
  }
}

export interface RoundTripResult {
  submit: LatencySummary;
  getJob: LatencySummary;
  echo: LatencySummary;
}

export async function runRoundTripBench(calls: number): Promise<RoundTripResult> {
  const echoChild = await spawnChild('child-echo.ts', []);
  const echo = new EchoClient(`127.0.0.1:${echoChild.ready.port}`);
  const s = await runningScheduler(4);
  const one = async (n: number, call: (i: number) => Promise<unknown>): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await call(i);
      out.push(performance.now() - t0);
    }
    return out;
  };
  try {
    const bytes = Buffer.from(SubmitJobRequest.encode({ spec: benchSpec('rt') }).finish());
    await one(200, () => echo.call(bytes));
    const echoMs = await one(calls, () => echo.call(bytes));
    const submitMs = await one(calls, (i) => s.api.submitJob({ spec: benchSpec(`rt-${i}`) }));
    const getMs = await one(calls, (i) =>
      s.api.getJob({ jobId: `bench-rt-${i}`, includeEvents: false }),
    );
    return {
      submit: summariseLatency(submitMs),
      getJob: summariseLatency(getMs),
      echo: summariseLatency(echoMs),
    };
  } finally {
    echo.close();
    await echoChild.kill();
    await s.stop();
  }
}
