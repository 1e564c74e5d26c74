/**
 * Batch placement: places a backlog of waiting jobs as a whole instead of one at a time.
 * Placing in arrival order on the cheapest node that fits lets early jobs take the cheap
 * capacity that later, larger or longer jobs needed. Here the assignment LP over node
 * classes (class-lp.ts) decides which class each job should go to, the LP answer is
 * rounded to the class with the largest share of each job, and jobs are then packed by
 * best fit inside their class, largest first. Jobs that do not fit their class fall to
 * the cheapest other class with room. When the solver is not loaded, runs out of time or
 * fails, the whole batch is placed greedily in queue order instead, as before.
 *
 * Pure: the nodes passed in are not changed; the caller applies the assignment. Every
 * placement is checked by the same judgeNode the one-at-a-time path uses, so budget,
 * latency and every filter hold exactly as they do there.
 */
import type { TransferPrices } from '../cost/transfer.js';
import {
  capacityOf,
  feasibleOptions,
  fitsIn,
  nodeClasses,
  RESOURCES,
  snapshotNode,
  solveClassLp,
  type LpStatus,
  type NodeClass,
  type Option,
} from './class-lp.js';
import { shapeKey } from './engine.js';
import { judgeNode, place } from './pipeline.js';
import { loadedSolver, loadSolver } from './solver.js';
import type { PlacementJob, PlacementNode, ResourceAmounts, Verdict } from './types.js';

export { loadSolver as loadBatchSolver };

/** Limits of one batch. */
export interface BatchOptions {
  /** Wall-clock limit for the LP solve(s), milliseconds; past it the batch goes greedy. */
  timeLimitMs: number;
  /** Batches smaller than this skip the LP (greedy is exact for one job). */
  minJobs: number;
}

export const BATCH_DEFAULTS: BatchOptions = { timeLimitMs: 2000, minJobs: 2 };

/** One job placed by the batch, with the pipeline's verdict on its node at that point. */
export interface BatchPlacement {
  jobId: string;
  nodeId: string;
  /** judgeNode's FEASIBLE verdict, with Formula 4.1's cost; `detail` says how it was chosen. */
  verdict: Verdict;
}

/** How the batch was placed and what it cost. */
export interface BatchStats {
  /** The LP's end; "skipped" below minJobs, "not-loaded" before loadBatchSolver(). */
  solverStatus: LpStatus | 'skipped' | 'not-loaded';
  /** The LP's cost part, USD: a lower bound for placing the jobs it placed (NaN if none). */
  lpObjectiveUsd: number;
  /** Jobs the LP placed, fractionally. */
  lpJobsPlaced: number;
  /** Formula 4.1 total of the placements made, USD. */
  roundedCostUsd: number;
  jobsPlaced: number;
  /** Jobs of the batch left waiting. */
  jobsUnplaced: number;
  /** The solver failed or ran out of time: greedy in queue order placed the batch. */
  fellBackToGreedy: boolean;
  /**
   * Which plan was applied: the rounded LP, greedy over node classes in queue order (kept
   * when it placed more jobs, or as many for less), or the pipeline's greedy.
   */
  plan: 'lp-rounded' | 'greedy-over-classes' | 'greedy';
  nodeClasses: number;
  /** LP columns: feasible (job, class) pairs. */
  lpColumns: number;
  solveMs: number;
  totalMs: number;
}

export interface BatchResult {
  /** jobId -> nodeId for every job placed; jobs not in it stay waiting. */
  assignment: Map<string, string>;
  /** The same placements in input (queue) order, with verdicts. */
  placements: BatchPlacement[];
  stats: BatchStats;
}

/**
 * Places `jobs` (in queue order) on `nodes` (with their free capacity now). Synchronous:
 * call `loadBatchSolver()` once beforehand, or the batch is placed greedily. Blocks for at
 * most about `timeLimitMs` in the solver plus the rounding, which is linear in
 * jobs x nodes of their class.
 */
export function placeBatch(
  jobs: readonly PlacementJob[],
  nodes: readonly PlacementNode[],
  transfer: TransferPrices,
  options: BatchOptions = BATCH_DEFAULTS,
): BatchResult {
  const started = performance.now();
  const snapshots = nodes.filter((n) => n.ready).map(snapshotNode);
  const classes = nodeClasses(snapshots);
  const highs = loadedSolver();
  const fresh = (): PlacementNode[] => nodes.filter((n) => n.ready).map(snapshotNode);
  const stats: BatchStats = {
    solverStatus: 'skipped',
    lpObjectiveUsd: NaN,
    lpJobsPlaced: 0,
    roundedCostUsd: 0,
    jobsPlaced: 0,
    jobsUnplaced: 0,
    fellBackToGreedy: false,
    plan: 'greedy',
    nodeClasses: classes.length,
    lpColumns: 0,
    solveMs: 0,
    totalMs: 0,
  };

  let placements: BatchPlacement[];
  if (jobs.length < options.minJobs || !highs) {
    if (!highs && jobs.length >= options.minJobs) {
      stats.solverStatus = 'not-loaded';
      stats.fellBackToGreedy = true;
    }
    placements = greedy(jobs, snapshots, transfer, 'greedy');
  } else {
    const opts = feasibleOptions(jobs, classes, transfer);
    stats.lpColumns = opts.reduce((n, o) => n + o.length, 0);
    const lp = solveClassLp(highs, jobs, classes, opts, options.timeLimitMs);
    stats.solverStatus = lp.status;
    stats.solveMs = lp.solveMs;
    if (lp.status === 'optimal') {
      stats.lpObjectiveUsd = lp.objectiveUsd;
      stats.lpJobsPlaced = lp.jobsPlaced;
      // Rounding can strand a job that one-at-a-time packing would have fitted (a class's
      // capacity is split over its nodes), so greedy plans compete with the rounded LP: the
      // batch keeps whichever places more jobs, then whichever costs less. The pipeline's
      // own greedy runs only for small batches, where judging every node is cheap.
      const plans: [BatchStats['plan'], BatchPlacement[]][] = [
        ['lp-rounded', roundAndPack(jobs, classes, opts, lp.x, transfer)],
        ['greedy-over-classes', classGreedy(jobs, nodeClasses(fresh()), opts, transfer)],
      ];
      if (jobs.length * nodes.length <= EXACT_GREEDY_LIMIT) {
        plans.push([
          'greedy',
          greedy(jobs, fresh(), transfer, 'greedy (cheaper than the LP plan)'),
        ]);
      }
      const [plan, best] = plans.reduce((a, b) => (better(b[1], a[1]) ? b : a));
      placements = best;
      stats.plan = plan;
    } else if (lp.status === 'empty') {
      placements = [];
    } else {
      stats.fellBackToGreedy = true;
      placements = greedy(jobs, snapshots, transfer, `greedy (solver ${lp.status})`);
    }
  }

  placements = earliestFirst(jobs, placements);
  const assignment = new Map(placements.map((p) => [p.jobId, p.nodeId]));
  stats.jobsPlaced = placements.length;
  stats.jobsUnplaced = jobs.length - placements.length;
  stats.roundedCostUsd = totalCost(placements);
  stats.totalMs = performance.now() - started;
  return { assignment, placements, stats };
}

/**
 * Jobs equal but for their id are interchangeable to the plan, which may have placed a
 * later one and left an earlier one waiting. The places such jobs got go to the earliest
 * of them in queue order, so identical jobs start first come, first served.
 */
function earliestFirst(
  jobs: readonly PlacementJob[],
  placements: BatchPlacement[],
): BatchPlacement[] {
  const indexOf = new Map(jobs.map((job, i) => [job.jobId, i]));
  const keys = jobs.map((job) => shapeKey(job));
  const queues = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const queue = queues.get(key);
    if (queue) queue.push(i);
    else queues.set(key, [i]);
  });
  const taken = new Map<string, number>();
  const out: [number, BatchPlacement][] = [];
  for (const p of placements) {
    const key = keys[indexOf.get(p.jobId)!]!;
    const n = taken.get(key) ?? 0;
    taken.set(key, n + 1);
    const j = queues.get(key)![n]!;
    out.push([j, { ...p, jobId: jobs[j]!.jobId, verdict: { ...p.verdict } }]);
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, p]) => p);
}

/** Batches of at most this many (job, node) pairs also try the pipeline's exact greedy. */
const EXACT_GREEDY_LIMIT = 250_000;

/** More jobs placed, or as many for less. */
function better(a: readonly BatchPlacement[], b: readonly BatchPlacement[]): boolean {
  return a.length > b.length || (a.length === b.length && totalCost(a) < totalCost(b) - 1e-9);
}

function totalCost(placements: readonly BatchPlacement[]): number {
  return placements.reduce((s, p) => s + (p.verdict.cost?.totalCostUsd ?? 0), 0);
}

/**
 * One job at a time in queue order, each in its cheapest class with room, on the member it
 * fits most tightly: the pipeline's greedy choice of price, with best fit among equals.
 */
function classGreedy(
  jobs: readonly PlacementJob[],
  classes: readonly NodeClass[],
  options: readonly Option[][],
  transfer: TransferPrices,
): BatchPlacement[] {
  const out: BatchPlacement[] = [];
  jobs.forEach((job, j) => {
    const byCost = [...options[j]!].sort((a, b) => a.costUsd - b.costUsd || a.cls - b.cls);
    for (const opt of byCost) {
      const p = bestFit(job, classes[opt.cls]!, transfer, 'batch: greedy over classes, best fit');
      if (p) {
        out.push(p);
        return;
      }
    }
  });
  return out;
}

/** One job at a time in queue order, each on the cheapest feasible node: the old path. */
function greedy(
  jobs: readonly PlacementJob[],
  snapshots: PlacementNode[],
  transfer: TransferPrices,
  how: string,
): BatchPlacement[] {
  const byId = new Map(snapshots.map((n) => [n.nodeId, n]));
  const out: BatchPlacement[] = [];
  for (const job of jobs) {
    const chosen = place(job, snapshots, transfer).chosen;
    if (!chosen) continue;
    const node = byId.get(chosen.nodeId)!;
    take(node, job);
    out.push({ jobId: job.jobId, nodeId: node.nodeId, verdict: { ...chosen, detail: how } });
  }
  return out;
}

/**
 * Rounds the LP: each job goes to the class holding its largest share; inside a class,
 * largest jobs first, each on the member it fits most tightly (best fit). Jobs that do not
 * fit there try their other classes, cheapest first.
 */
function roundAndPack(
  jobs: readonly PlacementJob[],
  classes: readonly NodeClass[],
  options: readonly Option[][],
  x: number[][],
  transfer: TransferPrices,
): BatchPlacement[] {
  const chosen = new Map<number, BatchPlacement>();
  const perClass = classes.map(() => [] as number[]);
  const leftover: number[] = [];
  options.forEach((opts, j) => {
    let best = -1;
    opts.forEach((opt, i) => {
      const v = x[j]![i]!;
      const b = best < 0 ? -1 : x[j]![best]!;
      if (v > b + 1e-9 || (Math.abs(v - b) <= 1e-9 && opt.costUsd < opts[best]!.costUsd)) best = i;
    });
    if (best >= 0 && x[j]![best]! > 1e-6) perClass[opts[best]!.cls]!.push(j);
    else if (opts.length > 0) leftover.push(j);
  });

  classes.forEach((cls, k) => {
    const cap = capacityOf(cls.nodes[0]!);
    const order = perClass[k]!.sort(
      (a, b) => dominantShare(jobs[b]!, cap) - dominantShare(jobs[a]!, cap) || a - b,
    );
    for (const j of order) {
      const p = bestFit(jobs[j]!, cls, transfer, 'batch: LP class, best fit');
      if (p) chosen.set(j, p);
      else leftover.push(j);
    }
  });

  for (const j of leftover.sort((a, b) => a - b)) {
    const byCost = [...options[j]!].sort((a, b) => a.costUsd - b.costUsd);
    for (const opt of byCost) {
      const p = bestFit(jobs[j]!, classes[opt.cls]!, transfer, 'batch: next class, best fit');
      if (p) {
        chosen.set(j, p);
        break;
      }
    }
  }
  return [...chosen.entries()].sort(([a], [b]) => a - b).map(([, p]) => p);
}

/** The member of `cls` the job leaves the least room on, judged by the pipeline. */
function bestFit(
  job: PlacementJob,
  cls: NodeClass,
  transfer: TransferPrices,
  how: string,
): BatchPlacement | undefined {
  const cap = capacityOf(cls.nodes[0]!);
  let best: PlacementNode | undefined;
  let bestSlack = Infinity;
  for (const node of cls.nodes) {
    if (!fitsIn(job, node.free)) continue;
    let slack = 0;
    for (const r of RESOURCES) if (cap[r] > 0) slack += (node.free[r] - job[r]) / cap[r];
    if (slack < bestSlack - 1e-12) {
      best = node;
      bestSlack = slack;
    }
  }
  if (!best) return undefined;
  const verdict = judgeNode(job, best, transfer);
  if (verdict.reason !== 'FEASIBLE') return undefined;
  take(best, job);
  return { jobId: job.jobId, nodeId: best.nodeId, verdict: { ...verdict, detail: how } };
}

function dominantShare(job: ResourceAmounts, cap: ResourceAmounts): number {
  let share = 0;
  for (const r of RESOURCES) if (cap[r] > 0) share = Math.max(share, job[r] / cap[r]);
  return share;
}

function take(node: PlacementNode, job: ResourceAmounts): void {
  for (const r of RESOURCES) node.free[r] -= job[r];
}
