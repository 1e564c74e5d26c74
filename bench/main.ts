/**
 * `npm run bench [-- NAME...]`: runs the benchmarks (all, or the ones named), prints each
 * figure beside its floor from the same run and the goal, and writes the results as JSON:
 * bench/results/<name>.json per bench and bench/results/latest.json with all of them.
 * docs/benchmarks.md explains every figure. No timed assertion lives in the test suite.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCostBench } from '../src/sim/bench.js';
import { runDockerOverheadBench } from './docker-overhead.js';
import { runOpenLoopBench, runRoundTripBench } from './latency.js';
import { runMemoryBench } from './memory.js';
import { runPlacementBench } from './placement.js';
import { runSubmitBench, type SubmitResult } from './submit.js';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

interface BenchOutcome {
  /** What was measured, as JSON. */
  result: unknown;
  /** Lines for the console: figure, floor, goal. */
  lines: string[];
}

type Bench = (done: Map<string, unknown>) => Promise<BenchOutcome>;

const n0 = (x: number): string => Math.round(x).toLocaleString('en-US');
const ms = (x: number): string => `${x.toFixed(x < 1 ? 3 : 1)} ms`;
const verdict = (ok: boolean): string => (ok ? 'goal met' : 'goal MISSED');

const BENCHES: Record<string, Bench> = {
  placement: () => {
    const runs = [1000, 10_000].map((count) => runPlacementBench(count, 2));
    const lines = runs.flatMap((r) => [
      `${n0(r.nodes)} nodes (${r.classes} classes): engine ${n0(r.engine.decisionsPerS)}/s, ` +
        `flat scan ${n0(r.flatScan.decisionsPerS)}/s (x${r.speedup.toFixed(0)}); ` +
        `every job a new shape ${n0(r.engineUniqueShapes.decisionsPerS)}/s; ` +
        `with allocate+release ${n0(r.engineWithChurn.decisionsPerS)}/s; ` +
        `${r.mismatches}/${r.checked} decisions differ from the flat scan`,
    ]);
    const big = runs[1]!;
    lines.push(`goal >= 50,000/s at 10,000 nodes: ${verdict(big.engine.decisionsPerS >= 50_000)}`);
    return Promise.resolve({ result: runs, lines });
  },

  submit: async () => {
    const r = await runSubmitBench({
      seconds: 5,
      concurrencies: [64, 256],
      batchJobs: 1000,
      batchConcurrency: 4,
      nodes: 100,
    });
    const lines = r.unary.map(
      (u) =>
        `unary SubmitJob x${u.concurrency} in flight: ${n0(u.scheduler.callsPerS)}/s ` +
        `(p50 ${ms(u.scheduler.latency.p50Ms)}), echo floor ${n0(u.echo.callsPerS)}/s, ` +
        `ratio ${(u.ratio * 100).toFixed(0)}%`,
    );
    lines.push(
      `batch SubmitJobs of ${r.batch.jobsPerRequest} x${r.batch.concurrency}: ` +
        `${n0(r.batch.scheduler.jobsPerS)} jobs/s, echo floor ` +
        `${n0(r.batch.echo.jobsPerS)} jobs/s (ratio ${(r.batch.ratio * 100).toFixed(1)}%)`,
      `store floor: ${n0(r.storeFloor.batch1000.jobsPerS)} jobs/s in batches of 1000, ` +
        `${n0(r.storeFloor.batch64.jobsPerS)} jobs/s in batches of 64`,
      `replies naming a node (assignment durable): ${n0(r.scheduledReplies)}/${n0(r.replies)}`,
    );
    const bestUnary = Math.max(...r.unary.map((u) => u.scheduler.callsPerS));
    lines.push(
      `goal >= 5,000/s unary: ${verdict(bestUnary >= 5000)}; ` +
        `goal >= 50,000/s batch: ${verdict(r.batch.scheduler.jobsPerS >= 50_000)}`,
    );
    return { result: r, lines };
  },

  latency: async (done) => {
    const maxPerS = maxUnaryRate(done);
    const r = await runOpenLoopBench(maxPerS, 10);
    const l = r.figure.latency;
    return {
      result: r,
      lines: [
        `open loop at ${n0(r.figure.targetPerS)}/s (half of ${n0(maxPerS)}/s): ` +
          `p50 ${ms(l.p50Ms)}, p99 ${ms(l.p99Ms)}, max ${ms(l.maxMs)}, ` +
          `achieved ${n0(r.figure.achievedPerS)}/s, errors ${r.figure.errors}`,
        `scheduler's event loop delay over the run: p50 ${ms(r.schedulerLoopDelay.p50Ms)}, ` +
          `p99 ${ms(r.schedulerLoopDelay.p99Ms)}, max ${ms(r.schedulerLoopDelay.maxMs)}`,
        `goal p99 <= 10 ms: ${verdict(l.p99Ms <= 10)}`,
      ],
    };
  },

  roundtrip: async () => {
    const r = await runRoundTripBench(3000);
    return {
      result: r,
      lines: [
        `one in flight: SubmitJob p50 ${ms(r.submit.p50Ms)} p99 ${ms(r.submit.p99Ms)}; ` +
          `GetJob p50 ${ms(r.getJob.p50Ms)} p99 ${ms(r.getJob.p99Ms)}; ` +
          `echo floor p50 ${ms(r.echo.p50Ms)} p99 ${ms(r.echo.p99Ms)}`,
        `goal p50 <= 0.3 ms: submit ${verdict(r.submit.p50Ms <= 0.3)}, ` +
          `GetJob ${verdict(r.getJob.p50Ms <= 0.3)}`,
      ],
    };
  },

  memory: async () => {
    const r = await runMemoryBench(1_000_000, 240);
    return {
      result: r,
      lines: [
        `${n0(r.jobsQueued)} PENDING jobs (filled at ${n0(r.fillJobsPerS)}/s): RSS ` +
          `${r.rssMb.toFixed(0)} MB 1 s after the fill, ${r.rssSettledMb.toFixed(0)} MB ` +
          `${r.settleS} s later (empty ${r.rssEmptyMb.toFixed(0)} MB), database ` +
          `${r.dbMb.toFixed(0)} MB`,
        `after SIGKILL: serving again in ${ms(r.reloadMs)} from spawn ` +
          `(${ms(r.reloadInProcessMs)} inside the process), ` +
          `${n0(r.pendingAfterReload)} PENDING reloaded`,
        `goal RSS <= 500 MB: ${verdict(r.rssSettledMb <= 500 && r.jobsQueued >= 1_000_000)}; ` +
          `goal reload <= 5 s: ${verdict(r.reloadMs <= 5000)}`,
      ],
    };
  },

  sim: async () => {
    const r = await runCostBench();
    if ('skipped' in r) return skipped(r.reason);
    const s = r.static;
    const tgp = s.policies.tgp!;
    const greedy = s.policies['tgp-greedy']!;
    return {
      result: r,
      lines: [
        `static batch of the Alibaba trace: LP bound $${s.lpBoundUsd.toLocaleString('en-US')}; ` +
          `TGP $${tgp.totalUsd.toLocaleString('en-US')} (${tgp.aboveBoundPct}% above), ` +
          `arrival-order greedy $${greedy.totalUsd.toLocaleString('en-US')} ` +
          `(${greedy.aboveBoundPct}% above)`,
        `replay: TGP saves ${r.replay.savingVsRoundRobinPct}% over round-robin and ` +
          `${r.replay.savingVsSpreadPct}% over spread`,
        `goal within 2% of the bound: ${verdict(s.goalWithin2PctOfBound)}; goal lowest cost in ` +
          `the replay: ${verdict(r.replay.goalLowestCost)}; goal no more SLO misses than the ` +
          `best: ${verdict(r.replay.goalNoMoreSloMissesThanBest)}`,
      ],
    };
  },

  docker: async () => {
    const unreachable = await dockerUnreachable();
    if (unreachable) return skipped(`no Docker engine reachable: ${unreachable}`);
    const r = await runDockerOverheadBench();
    return {
      result: r,
      lines: [
        `job running \`true\`, ${r.runs} runs: assignment to running p50 ` +
          `${ms(r.tgpToRunning.medianMs)}, to exit reported p50 ` +
          `${ms(r.tgpToExitReported.medianMs)}; docker run --rm p50 ${ms(r.dockerRun.medianMs)}`,
        `goal TGP within ${r.goalRatio}x of docker run at the median: ratio ` +
          `${r.ratioAtMedian}, ${verdict(r.withinGoal)}`,
      ],
    };
  },
};

function skipped(reason: string): Promise<BenchOutcome> {
  return Promise.resolve({ result: { skipped: reason }, lines: [`skipped: ${reason}`] });
}

/** The best unary rate of this run's submit bench, else of the last one saved, else 4,000/s. */
function maxUnaryRate(done: Map<string, unknown>): number {
  let submit = done.get('submit') as SubmitResult | undefined;
  const saved = join(RESULTS, 'submit.json');
  if (!submit && existsSync(saved)) {
    submit = (JSON.parse(readFileSync(saved, 'utf8')) as { result: SubmitResult }).result;
  }
  const rates = submit?.unary.map((u) => u.scheduler.callsPerS) ?? [];
  return rates.length > 0 ? Math.max(...rates) : 4000;
}

/** Why no Docker engine answers, or undefined when one does. */
async function dockerUnreachable(): Promise<string | undefined> {
  try {
    const { default: Docker } = await import('dockerode');
    await new Docker().ping();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function machine(): Record<string, unknown> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    kernel: release(),
    memoryGb: Math.round(totalmem() / 1e9),
    freeMemoryGb: Math.round(freemem() / 1e9),
    loadAverage: loadavg(),
  };
}

export async function main(argv: string[]): Promise<void> {
  const asked = argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = asked.filter((a) => !(a in BENCHES));
  if (unknown.length > 0) {
    console.error(`unknown bench ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const names = asked.length > 0 ? asked : Object.keys(BENCHES);
  mkdirSync(RESULTS, { recursive: true });
  const latestFile = join(RESULTS, 'latest.json');
  const latest = existsSync(latestFile)
    ? (JSON.parse(readFileSync(latestFile, 'utf8')) as { benches: Record<string, unknown> })
    : { benches: {} };

  const done = new Map<string, unknown>();
  for (const name of names) {
    const started = Date.now();
    const before = machine();
    console.log(`== ${name}`);
    const outcome = await BENCHES[name]!(done);
    done.set(name, outcome.result);
    const record = {
      bench: name,
      ranAt: new Date(started).toISOString(),
      seconds: (Date.now() - started) / 1000,
      machine: before,
      loadAverageAfter: loadavg(),
      lines: outcome.lines,
      result: outcome.result,
    };
    for (const line of outcome.lines) console.log(`  ${line}`);
    writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
    latest.benches[name] = record;
    writeFileSync(
      latestFile,
      `${JSON.stringify({ updatedAt: new Date().toISOString(), ...latest }, null, 2)}\n`,
    );
  }
}
