/**
 * Runs several policies over one workload and cluster and puts their reports side by side,
 * with the LP lower bound for a static batch. Used by `tgp simulate` and the cost bench.
 */
import type { TransferPrices } from '../cost/transfer.js';
import type { BatchOptions } from '../placement/batch.js';
import type { PlacementNode } from '../placement/types.js';
import { simulate, type SimulationRun } from './engine.js';
import { staticLpBound } from './lp-bound.js';
import type { PolicyName } from './policies.js';
import { compare, summariseRun, type SimulationReport } from './report.js';
import type { Workload } from './types.js';

/**
 * Batch limits for simulations. The LP time limit is wall-clock time, so a short one would
 * make results depend on the machine's load; 20 s lets the full Alibaba backlog (about 1 s
 * on an idle 2-core machine) solve even on a busy one. The scheduler keeps BATCH_DEFAULTS.
 */
export const SIM_BATCH_DEFAULTS: BatchOptions = { timeLimitMs: 20_000, minJobs: 2 };

export interface ComparisonInput {
  nodes: readonly PlacementNode[];
  workload: Workload;
  transfer: TransferPrices;
  policies: readonly PolicyName[];
  /** Static batch (every job waiting at t=0) rather than a replay of arrivals. */
  static: boolean;
  batch?: BatchOptions;
  /** Time limit for the LP bound, milliseconds. */
  lpTimeLimitMs?: number;
}

export interface Comparison {
  report: SimulationReport;
  runs: SimulationRun[];
}

/** Simulates each policy in turn (they share nothing) and reports them together. */
export async function runComparison(input: ComparisonInput): Promise<Comparison> {
  const runs: SimulationRun[] = [];
  for (const policy of input.policies) {
    runs.push(
      await simulate({
        nodes: input.nodes,
        jobs: input.workload.jobs,
        transfer: input.transfer,
        policy,
        backlog: input.static,
        batch: input.batch ?? SIM_BATCH_DEFAULTS,
      }),
    );
  }
  const lpBound = input.static
    ? await staticLpBound(
        input.workload.jobs.map((j) => j.job),
        input.nodes,
        input.transfer,
        input.lpTimeLimitMs,
      )
    : undefined;

  const notes = [...input.workload.skipped];
  for (const run of runs) {
    const fell = run.batches.filter((b) => b.fellBackToGreedy);
    if (fell.length > 0) {
      notes.push(
        `${run.policy}: ${fell.length} of ${run.batches.length} batch passes fell back to ` +
          `greedy (${[...new Set(fell.map((b) => b.solverStatus))].join(', ')})`,
      );
    }
  }
  if (lpBound && lpBound.jobsPlaced < lpBound.jobsTotal - 1e-6) {
    notes.push(
      `the LP could place only ${lpBound.jobsPlaced.toFixed(1)} of ${lpBound.jobsTotal} jobs ` +
        'at once; its bound covers those jobs only',
    );
  }
  const report = compare({
    mode: input.static ? 'static' : 'replay',
    workload: input.workload.source,
    cluster: {
      nodes: input.nodes.length,
      cpuCores: input.nodes.reduce((s, n) => s + n.cpuCores, 0),
      memoryGb: input.nodes.reduce((s, n) => s + n.memoryGb, 0),
      gpus: input.nodes.reduce((s, n) => s + n.gpuCount, 0),
    },
    policies: runs.map(summariseRun),
    lpBound,
    notes,
  });
  return { report, runs };
}
