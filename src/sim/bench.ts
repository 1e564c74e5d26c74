/**
 * The cost bench: the Alibaba GPU trace (1,213 nodes, 8,152 jobs) priced by the sample
 * price sheet, once as a static batch (every job waiting at t=0, against the LP lower
 * bound) and once as a replay of its arrivals and departures, every policy through the
 * same engine. Reports whatever results; the goals are checked, never forced.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TransferPrices } from '../cost/transfer.js';
import { loadAlibabaNodes } from './cluster.js';
import { runComparison } from './compare.js';
import { POLICIES } from './policies.js';
import { loadPriceSheet } from './price-sheet.js';
import type { PolicyReport, SimulationReport } from './report.js';
import { loadAlibabaJobs } from './workload-alibaba.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATA_DIR = resolve(REPO_ROOT, '../shared/data/alibaba-gpu-v2023');
const NODES_CSV = resolve(DATA_DIR, 'openb_node_list_gpu_node.csv');
const PODS_CSV = resolve(DATA_DIR, 'openb_pod_list_default.csv');
const PRICE_SHEET = resolve(REPO_ROOT, 'config/price-sheet.sample.json');

/** Goal for TGP's static-batch cost: at most this far above the LP bound. */
const STATIC_GOAL = 0.02;

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** One policy in the static batch. */
export interface StaticPolicy {
  totalUsd: number;
  aboveBoundPct: number;
  firstPassJobs: number;
  firstPassCostUsd: number;
  sloMisses: number;
  waitP95S: number;
}

export interface StaticSummary {
  lpBoundUsd: number;
  lpStatus: string;
  lpJobsPlaced: number;
  lpSolveMs: number;
  policies: Record<string, StaticPolicy>;
  firstBatch: unknown;
  goalWithin2PctOfBound: boolean;
}

export interface ReplaySummary {
  policies: Record<
    string,
    { totalUsd: number; sloMisses: number; waitP95S: number; gpuAllocationRatio: number }
  >;
  savingVsRoundRobinPct: number;
  savingVsSpreadPct: number;
  goalLowestCost: boolean;
  goalNoMoreSloMissesThanBest: boolean;
}

export interface CostBenchResult {
  name: 'cost';
  dataset: string;
  priceSheet: string;
  static: StaticSummary;
  replay: ReplaySummary;
  wallMs: number;
}

/** Runs the bench; says why it was skipped when the trace is not beside the repository. */
export async function runCostBench(): Promise<CostBenchResult | { skipped: true; reason: string }> {
  if (!existsSync(NODES_CSV) || !existsSync(PODS_CSV)) {
    return { skipped: true, reason: `Alibaba trace not found in ${DATA_DIR}` };
  }
  const started = performance.now();
  const sheet = loadPriceSheet(PRICE_SHEET);
  const nodes = loadAlibabaNodes(NODES_CSV, sheet);
  const workload = loadAlibabaJobs(PODS_CSV);
  const transfer = new TransferPrices(sheet.transfer);
  const common = { nodes, workload, transfer, policies: POLICIES };

  const batch = await runComparison({ ...common, static: true });
  const replay = await runComparison({ ...common, static: false });
  return {
    name: 'cost',
    dataset: 'alibaba cluster-trace-gpu-v2023 openb (1,213 nodes, 8,152 jobs)',
    priceSheet: 'config/price-sheet.sample.json',
    static: staticSummary(batch.report),
    replay: replaySummary(replay.report),
    wallMs: Math.round(performance.now() - started),
  };
}

function byPolicy(report: SimulationReport): Record<string, PolicyReport> {
  return Object.fromEntries(report.policies.map((p) => [p.policy, p]));
}

function staticSummary(report: SimulationReport): StaticSummary {
  const bound = report.lpBound!;
  const above = (p: PolicyReport): number => p.costUsd.total / bound.objectiveUsd - 1;
  const policies = Object.fromEntries(
    report.policies.map((p) => [
      p.policy,
      {
        totalUsd: round(p.costUsd.total),
        aboveBoundPct: round(above(p) * 100),
        firstPassJobs: p.jobs.placedAtOnce,
        firstPassCostUsd: round(p.firstPassCostUsd),
        sloMisses: p.sloMisses,
        waitP95S: round(p.waitS.p95),
      },
    ]),
  );
  const tgp = byPolicy(report).tgp!;
  return {
    lpBoundUsd: round(bound.objectiveUsd),
    lpStatus: bound.status,
    lpJobsPlaced: round(bound.jobsPlaced, 3),
    lpSolveMs: Math.round(bound.solveMs),
    policies,
    firstBatch: tgp.batch?.first,
    goalWithin2PctOfBound: above(tgp) <= STATIC_GOAL,
  };
}

function replaySummary(report: SimulationReport): ReplaySummary {
  const all = byPolicy(report);
  const tgp = all.tgp!;
  const others = report.policies.filter((p) => p.policy !== 'tgp');
  const fewestMisses = Math.min(...others.map((p) => p.sloMisses));
  return {
    policies: Object.fromEntries(
      report.policies.map((p) => [
        p.policy,
        {
          totalUsd: round(p.costUsd.total),
          sloMisses: p.sloMisses,
          waitP95S: round(p.waitS.p95),
          gpuAllocationRatio: round(p.gpuAllocationRatio, 4),
        },
      ]),
    ),
    savingVsRoundRobinPct: round((report.tgpSavings['round-robin'] ?? NaN) * 100),
    savingVsSpreadPct: round((report.tgpSavings.spread ?? NaN) * 100),
    goalLowestCost: others.every((p) => tgp.costUsd.total <= p.costUsd.total + 1e-6),
    goalNoMoreSloMissesThanBest: tgp.sloMisses <= fewestMisses,
  };
}
