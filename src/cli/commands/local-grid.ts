/**
 * `tgp local-grid` (what `npm start` runs): a scheduler and one worker process per node
 * of a config file, all on this machine, then a demo workload whose placements and costs
 * are printed. The grid stays up for the other `tgp` commands until Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { JobSpec, JobState, type Job } from '../../api/gen/tgp/v1/tgp.js';
import { readConfigFile, schedulerConfig } from '../../config/config.js';
import { formatUsd } from '../../cost/formula.js';
import { startScheduler } from '../../scheduler/daemon.js';
import { createLogger } from '../../util/log.js';
import { CliError, connect, EXIT } from '../client.js';
import { table } from '../format.js';

const BIN = fileURLToPath(new URL('../../../bin/tgp.mjs', import.meta.url));

interface Flags {
  config: string;
  exitAfterDemo?: boolean;
  demo: boolean;
  listen?: string;
  dataDir?: string;
}

export function registerLocalGridCommand(program: Command): void {
  program
    .command('local-grid')
    .description('run a scheduler and the workers of a config file on this machine, then a demo')
    .option('--config <file>', 'grid description', 'config/local-grid.json')
    .option('--no-demo', 'skip the demo workload')
    .option('--listen <host:port>', "scheduler address (default: the config file's)")
    .option('--data-dir <dir>', "scheduler state directory (default: the config file's)")
    .option('--exit-after-demo', 'stop the grid once the demo has been printed')
    .action(async (flags: Flags) => runLocalGrid(flags));
}

async function runLocalGrid(flags: Flags): Promise<void> {
  const raw = readConfigFile(flags.config);
  const overrides = Object.fromEntries(
    Object.entries({ listen: flags.listen, dataDir: flags.dataDir }).filter(([, v]) => v),
  );
  const config = schedulerConfig(
    { ...((raw.scheduler ?? {}) as Record<string, unknown>), transfer: raw.transfer },
    overrides,
  );
  const workers = (raw.workers ?? []) as Record<string, unknown>[];
  const runDir = resolve(config.dataDir, '..');
  mkdirSync(runDir, { recursive: true });

  const log = createLogger('scheduler', process.env.TGP_LOG_LEVEL ?? 'warn');
  let grid;
  try {
    grid = await startScheduler(config, log);
  } catch (err) {
    throw new CliError(
      `cannot start the scheduler on ${config.listen}: ${(err as Error).message}`,
      EXIT.ERROR,
    );
  }
  const address = `127.0.0.1:${grid.server.port}`;
  console.log(`Scheduler listening on ${address} (state in ${config.dataDir})`);

  const children: ChildProcess[] = workers.map((w) => {
    const nodeId = String(w.nodeId);
    const file = join(runDir, `${nodeId}.json`);
    const worker = { dataDir: join(runDir, `${nodeId}-state`), ...w, scheduler: address };
    writeFileSync(file, JSON.stringify(worker, null, 2));
    const out = openSync(join(runDir, `${nodeId}.log`), 'a');
    return spawn(process.execPath, [BIN, 'worker', '--config', file], {
      stdio: ['ignore', out, out],
    });
  });

  const stop = async (): Promise<void> => {
    for (const child of children) child.kill('SIGTERM');
    await grid.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

  await waitForNodes(grid.scheduler.nodes, workers.length);
  console.log(
    `Workers up: ${workers.map((w) => String(w.nodeId)).join(', ')} (logs in ${runDir})\n`,
  );

  if (flags.demo) await runDemo(address, (raw.demo ?? []) as Partial<JobSpec>[]);

  if (flags.exitAfterDemo) {
    await stop();
    return;
  }
  console.log(`\nThe grid is up. In another terminal:`);
  console.log(`  npx tgp cluster-status`);
  console.log(
    `  npx tgp submit-job --job-id my-job-001 --cpu 1 --memory 1 --budget 5.0 --latency 1000`,
  );
  console.log(`  npx tgp get-status my-job-001`);
  console.log(`Ctrl-C stops it.`);
  await new Promise(() => undefined);
}

async function waitForNodes(nodes: Map<string, { ready: boolean }>, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ([...nodes.values()].filter((n) => n.ready).length < count) {
    if (Date.now() > deadline)
      throw new CliError(`workers did not connect within 60 s`, EXIT.ERROR);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Submits the demo jobs under fresh ids, waits for them, and prints where each went. */
async function runDemo(address: string, demo: Partial<JobSpec>[]): Promise<void> {
  const client = connect(address);
  const suffix = new Date().toISOString().slice(11, 19).replaceAll(':', '');
  const rows: string[][] = [];
  const accepted: string[] = [];

  for (const partial of demo) {
    const spec = JobSpec.fromPartial({ ...partial, jobId: `${partial.jobId}-${suffix}` });
    try {
      const res = await client.submitJob({ spec });
      accepted.push(spec.jobId);
      console.log(`submitted ${spec.jobId}: ${res.job?.reason ?? ''}`);
    } catch (err) {
      console.log(`refused   ${spec.jobId}: ${(err as Error).message}`);
      rows.push([
        spec.jobId,
        'REJECTED',
        '-',
        '-',
        '-',
        (err as Error).message.replace(/^.*: /, ''),
      ]);
    }
  }

  const ended = await Promise.all(accepted.map((jobId) => waitForJob(address, jobId)));
  for (const job of ended) {
    rows.unshift([
      job.spec?.jobId ?? '',
      JobState[job.state] ?? '',
      job.nodeId,
      job.estimated ? formatUsd(job.estimated.totalCostUsd) : '-',
      job.actual ? formatUsd(job.actual.totalCostUsd) : '-',
      job.placement?.summary ?? job.reason,
    ]);
  }
  console.log('\nWhere each job went, and why:');
  console.log(table(['JOB', 'STATE', 'NODE', 'ESTIMATE', 'ACTUAL', 'WHY'], rows));
  client.close();
}

async function waitForJob(address: string, jobId: string): Promise<Job> {
  const client = connect(address);
  try {
    for (;;) {
      const job = await client.getJob({ jobId, includeEvents: false });
      if ([JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED].includes(job.state)) return job;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    client.close();
  }
}
