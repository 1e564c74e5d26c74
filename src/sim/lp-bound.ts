/**
 * The lower bound for a static batch: the LP relaxation of the cost-minimising assignment
 * of every job to the empty cluster, solved by HiGHS over node classes (the same LP batch
 * placement rounds). No assignment that places the same jobs at once can cost less, so a
 * policy's distance from it bounds its distance from optimal.
 */
import type { TransferPrices } from '../cost/transfer.js';
import {
  feasibleOptions,
  nodeClasses,
  solveClassLp,
  type LpStatus,
} from '../placement/class-lp.js';
import { loadSolver } from '../placement/solver.js';
import type { PlacementJob, PlacementNode } from '../placement/types.js';
import { freshNodes } from './cluster.js';

export interface LpBound {
  status: LpStatus;
  /** The LP optimum, USD (Formula 4.1 totals of the fractional assignment). */
  objectiveUsd: number;
  /** Jobs the LP placed (fractionally); below jobsTotal when even the LP cannot fit all. */
  jobsPlaced: number;
  jobsTotal: number;
  /** Jobs that no node class could take at all, left out of the LP. */
  jobsWithoutOption: number;
  nodeClasses: number;
  lpColumns: number;
  solveMs: number;
}

/** Solves the bound for `jobs` all waiting at once on `nodes` with nothing running. */
export async function staticLpBound(
  jobs: readonly PlacementJob[],
  nodes: readonly PlacementNode[],
  transfer: TransferPrices,
  timeLimitMs = 120_000,
): Promise<LpBound> {
  const highs = await loadSolver();
  const classes = nodeClasses(freshNodes(nodes));
  const options = feasibleOptions(jobs, classes, transfer);
  const lp = solveClassLp(highs, jobs, classes, options, timeLimitMs);
  return {
    status: lp.status,
    objectiveUsd: lp.status === 'optimal' ? lp.objectiveUsd : NaN,
    jobsPlaced: lp.jobsPlaced,
    jobsTotal: jobs.length,
    jobsWithoutOption: options.filter((o) => o.length === 0).length,
    nodeClasses: classes.length,
    lpColumns: options.reduce((n, o) => n + o.length, 0),
    solveMs: lp.solveMs,
  };
}
