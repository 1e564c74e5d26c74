/**
 * The assignment LP over node classes. Nodes that agree on everything placement looks at
 * except free capacity form one class; a class offers the sum of its nodes' free capacity.
 * One variable per (job, class) where the pipeline finds the class feasible for the job,
 * priced by Formula 4.1 on that class:
 *
 *   minimise   sum c[j,k] x[j,k]
 *   subject to sum_k x[j,k] = 1                   for each job j (each job placed once)
 *              sum_j d[j,r] x[j,k] <= free[k,r]   for each class k, resource r
 *              0 <= x[j,k] <= 1
 *
 * When the batch does not fit even fractionally, the LP first maximises the jobs placed
 * (sum x <= 1 per job) and then minimises cost at that count. Its optimum is a lower bound
 * on the cost of any assignment of the jobs it places (the per-node LP relaxation of a
 * class of identical empty nodes has the same optimum).
 */
import type { Highs } from 'highs';
import type { TransferPrices } from '../cost/transfer.js';
import { judgeNode } from './pipeline.js';
import type { PlacementJob, PlacementNode, ResourceAmounts } from './types.js';

/** The resources a class's capacity rows count. */
export const RESOURCES = ['cpuCores', 'memoryGb', 'gpuCount', 'diskGb'] as const;

/** Nodes that placement cannot tell apart except by what is free. */
export interface NodeClass {
  key: string;
  nodes: PlacementNode[];
  /** Sum of the members' free capacity. */
  free: ResourceAmounts;
}

/** A node as a plain object with its own copy of `free`, safe to mutate while planning. */
export function snapshotNode(n: PlacementNode): PlacementNode {
  return {
    nodeId: n.nodeId,
    ready: n.ready,
    cpuCores: n.cpuCores,
    memoryGb: n.memoryGb,
    gpuCount: n.gpuCount,
    gpuModel: n.gpuModel,
    diskGb: n.diskGb,
    pricePerHourUsd: n.pricePerHourUsd,
    opportunityCostPerHourUsd: n.opportunityCostPerHourUsd,
    location: n.location,
    labels: n.labels,
    executors: n.executors,
    startupMs: n.startupMs,
    rttMs: n.rttMs,
    free: { ...n.free },
  };
}

function classKey(n: PlacementNode): string {
  const labels = Object.entries(n.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    n.cpuCores,
    n.memoryGb,
    n.gpuCount,
    n.gpuModel,
    n.diskGb,
    n.pricePerHourUsd,
    n.opportunityCostPerHourUsd,
    n.location,
    n.startupMs,
    n.rttMs,
    n.ready,
    labels,
    [...n.executors].sort(),
  ]);
}

/** Groups ready nodes into classes, in order of first appearance. */
export function nodeClasses(nodes: readonly PlacementNode[]): NodeClass[] {
  const byKey = new Map<string, NodeClass>();
  for (const node of nodes) {
    if (!node.ready) continue;
    const key = classKey(node);
    let cls = byKey.get(key);
    if (!cls) {
      cls = { key, nodes: [], free: { cpuCores: 0, memoryGb: 0, gpuCount: 0, diskGb: 0 } };
      byKey.set(key, cls);
    }
    cls.nodes.push(node);
    for (const r of RESOURCES) cls.free[r] += node.free[r];
  }
  return [...byKey.values()];
}

/** The job's demand fits what `free` has left, with the pipeline's tolerance. */
export function fitsIn(job: ResourceAmounts, free: ResourceAmounts): boolean {
  return RESOURCES.every((r) => job[r] <= free[r] + 1e-9);
}

/** One (job, class) pair the pipeline accepts, with its Formula 4.1 total. */
export interface Option {
  job: number;
  cls: number;
  costUsd: number;
}

/**
 * The feasible (job, class) pairs: the pipeline's verdict on a class member with all of
 * its capacity free (so only what the node is, price, budget and latency decide), and at
 * least one member with room for the job now.
 */
export function feasibleOptions(
  jobs: readonly PlacementJob[],
  classes: readonly NodeClass[],
  transfer: TransferPrices,
): Option[][] {
  const roomCache = classes.map(() => new Map<string, boolean>());
  const empties = classes.map((c) => {
    const rep = c.nodes[0]!;
    return { ...snapshotNode(rep), free: { ...capacityOf(rep) } };
  });

  return jobs.map((job, j) => {
    const options: Option[] = [];
    const shape = `${job.cpuCores}/${job.memoryGb}/${job.gpuCount}/${job.diskGb}`;
    classes.forEach((cls, k) => {
      const verdict = judgeNode(job, empties[k]!, transfer);
      if (verdict.reason !== 'FEASIBLE' || !verdict.cost) return;
      let room = roomCache[k]!.get(shape);
      if (room === undefined) {
        room = cls.nodes.some((n) => fitsIn(job, n.free));
        roomCache[k]!.set(shape, room);
      }
      if (room) options.push({ job: j, cls: k, costUsd: verdict.cost.totalCostUsd });
    });
    return options;
  });
}

/** What a node has in all. */
export function capacityOf(n: PlacementNode): ResourceAmounts {
  return { cpuCores: n.cpuCores, memoryGb: n.memoryGb, gpuCount: n.gpuCount, diskGb: n.diskGb };
}

/** How an LP solve ended. */
export type LpStatus = 'optimal' | 'time-limit' | 'infeasible' | 'error' | 'empty';

/** The LP's answer: x per option (same shape as the options), its cost, its job count. */
export interface LpSolution {
  status: LpStatus;
  /** x[j][i] for option i of job j. */
  x: number[][];
  /** sum c x, USD: the cost part of the objective. */
  objectiveUsd: number;
  /** sum x: jobs placed, fractionally. */
  jobsPlaced: number;
  /** Whether the LP had to drop the "every job placed" rows. */
  partial: boolean;
  solveMs: number;
}

interface Columns {
  cost: number[];
  starts: number[];
  indices: number[];
  values: number[];
}

/**
 * Solves the class LP within `timeLimitMs`. Jobs without any option are left out (they
 * cannot be placed now in any case).
 */
export function solveClassLp(
  highs: Highs,
  jobs: readonly PlacementJob[],
  classes: readonly NodeClass[],
  options: readonly Option[][],
  timeLimitMs: number,
): LpSolution {
  const started = performance.now();
  const placeable = options.map((o, j) => (o.length > 0 ? j : -1)).filter((j) => j >= 0);
  const x = options.map((o) => o.map(() => 0));
  const done = (status: LpStatus, partial = false): LpSolution => {
    let objectiveUsd = 0;
    let jobsPlaced = 0;
    options.forEach((opts, j) =>
      opts.forEach((opt, i) => {
        objectiveUsd += opt.costUsd * x[j]![i]!;
        jobsPlaced += x[j]![i]!;
      }),
    );
    return { status, x, objectiveUsd, jobsPlaced, partial, solveMs: performance.now() - started };
  };
  if (placeable.length === 0) return done('empty');

  // Row layout: one row per placeable job, then one per (class, resource).
  const jobRow = new Map<number, number>();
  placeable.forEach((j, row) => jobRow.set(j, row));
  const capacityRow = (k: number, r: number): number => placeable.length + k * 4 + r;
  const numRows = placeable.length + classes.length * 4;
  const cols: Columns = { cost: [], starts: [0], indices: [], values: [] };
  const where: [number, number][] = [];
  for (const j of placeable) {
    const job = jobs[j]!;
    options[j]!.forEach((opt, i) => {
      cols.indices.push(jobRow.get(j)!);
      cols.values.push(1);
      RESOURCES.forEach((res, r) => {
        if (job[res] <= 0) return;
        cols.indices.push(capacityRow(opt.cls, r));
        cols.values.push(job[res]);
      });
      cols.starts.push(cols.indices.length);
      cols.cost.push(opt.costUsd);
      where.push([j, i]);
    });
  }
  const capacity: number[] = [];
  classes.forEach((cls) => RESOURCES.forEach((res) => capacity.push(cls.free[res])));

  const deadline = started + timeLimitMs;
  const left = (): number => Math.max(0.001, (deadline - performance.now()) / 1000);
  const run = (
    cost: number[],
    jobLower: number,
    extra?: { lower: number },
  ): { status: LpStatus; values?: Float64Array } => {
    const rowLower = [...placeable.map(() => jobLower), ...capacity.map(() => -highs.infinity)];
    const rowUpper = [...placeable.map(() => 1), ...capacity];
    const matrix = extra ? withCountRow(cols, numRows) : cols;
    if (extra) {
      rowLower.push(extra.lower);
      rowUpper.push(highs.infinity);
    }
    return runLp(highs, cost, rowLower, rowUpper, matrix, left());
  };

  // Every job placed, cheapest; if that cannot be, most jobs first, then cheapest.
  const all = run(cols.cost, 1);
  if (all.status === 'optimal' && all.values) {
    where.forEach(([j, i], c) => (x[j]![i] = all.values![c]!));
    return done('optimal');
  }
  if (all.status !== 'infeasible') return done(all.status);

  const most = run(
    cols.cost.map(() => -1),
    0,
  );
  if (most.status !== 'optimal' || !most.values) return done(most.status, true);
  const count = most.values.reduce((a, b) => a + b, 0);
  const cheapest = run(cols.cost, 0, { lower: count - 1e-6 * Math.max(1, count) });
  if (cheapest.status !== 'optimal' || !cheapest.values) return done(cheapest.status, true);
  where.forEach(([j, i], c) => (x[j]![i] = cheapest.values![c]!));
  return done('optimal', true);
}

/** The same columns with a coefficient 1 in an extra last row (the job-count row). */
function withCountRow(cols: Columns, numRows: number): Columns {
  const out: Columns = { cost: cols.cost, starts: [0], indices: [], values: [] };
  for (let c = 0; c + 1 < cols.starts.length; c++) {
    for (let e = cols.starts[c]!; e < cols.starts[c + 1]!; e++) {
      out.indices.push(cols.indices[e]!);
      out.values.push(cols.values[e]!);
    }
    out.indices.push(numRows);
    out.values.push(1);
    out.starts.push(out.indices.length);
  }
  return out;
}

function runLp(
  highs: Highs,
  cost: number[],
  rowLower: number[],
  rowUpper: number[],
  cols: Columns,
  timeLimitS: number,
): { status: LpStatus; values?: Float64Array } {
  const numCols = cost.length;
  const model = highs.createModel({
    numCols,
    numRows: rowLower.length,
    colCost: cost,
    colLower: new Float64Array(numCols),
    colUpper: new Float64Array(numCols).fill(1),
    rowLower,
    rowUpper,
    matrix: {
      format: 'csc',
      numRows: rowLower.length,
      numCols,
      starts: cols.starts,
      indices: cols.indices,
      values: cols.values,
    },
  });
  try {
    model.options.set({ output_flag: false, time_limit: timeLimitS });
    const { modelStatus } = model.run();
    const codes = highs.constants.modelStatus;
    if (modelStatus === codes.optimal) {
      return { status: 'optimal', values: model.getSolution().colValue };
    }
    if (modelStatus === codes.infeasible || modelStatus === codes.unboundedOrInfeasible) {
      return { status: 'infeasible' };
    }
    if (modelStatus === codes.timeLimit) return { status: 'time-limit' };
    return { status: 'error' };
  } finally {
    model.dispose();
  }
}
