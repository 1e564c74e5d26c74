/**
 * The placement pipeline, put together in one place: permanent filters, Formula 4.1
 * pricing, the budget and latency checks, then the filters that only hold for now, then
 * selection of the cheapest feasible node. Every node gets a verdict with a stable reason,
 * so "why is my job pending?" and "why this node?" are answered from the same record.
 */
import { priceJob } from '../cost/formula.js';
import type { TransferPrices } from '../cost/transfer.js';
import {
  fitsFree,
  fitsNode,
  hasExecutor,
  isReady,
  matchesConstraints,
  matchesGpuModel,
  withinBudget,
  withinLatency,
  type Rejection,
} from './filters.js';
import { summarise } from './summary.js';
import type { Decision, PlacementJob, PlacementNode, Verdict } from './types.js';

/**
 * Checks that no change of load can undo: what the node is, not what it is doing. Size
 * comes before the GPU model so a node without GPUs reads "too few GPUs in all", not
 * "wrong GPU model".
 */
const PERMANENT_FILTERS = [hasExecutor, matchesConstraints, fitsNode, matchesGpuModel];

/**
 * Checks that pass once work ends or the node returns. They run last, so a node rejected
 * here is one the job may wait for.
 */
const TRANSIENT_FILTERS = [isReady, fitsFree];

/** Judges one node: the first failing step decides its verdict. */
export function judgeNode(
  job: PlacementJob,
  node: PlacementNode,
  transfer: TransferPrices,
): Verdict {
  const verdict = (rejection: Rejection | undefined, cost?: Verdict['cost']): Verdict => ({
    nodeId: node.nodeId,
    reason: rejection?.reason ?? 'FEASIBLE',
    detail: rejection?.detail ?? '',
    cost,
    retryable: rejection?.retryable ?? false,
  });

  for (const filter of PERMANENT_FILTERS) {
    const rejection = filter(job, node);
    if (rejection) return verdict(rejection);
  }

  // Price before the budget and latency checks, which judge the price. Waiting time is
  // zero here: a job is only ever started on a node with room now.
  const cost = priceJob(job, node, transfer);
  const costRejection = withinBudget(job, cost) ?? withinLatency(job, cost);
  if (costRejection) return verdict(costRejection, cost);

  for (const filter of TRANSIENT_FILTERS) {
    const rejection = filter(job, node);
    if (rejection) return verdict(rejection, cost);
  }
  return verdict(undefined, cost);
}

/**
 * Orders feasible verdicts: lowest total cost, then lowest estimated latency, then node id,
 * so equal offers always resolve the same way.
 */
export function compareFeasible(a: Verdict, b: Verdict): number {
  const ca = a.cost;
  const cb = b.cost;
  if (ca === undefined || cb === undefined) return 0;
  const byCost = ca.totalCostUsd - cb.totalCostUsd;
  if (Math.abs(byCost) > 1e-12) return byCost;
  const byLatency = ca.estimatedLatencyMs - cb.estimatedLatencyMs;
  if (byLatency !== 0) return byLatency;
  return a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0;
}

/** Runs the pipeline for one job over `nodes` and picks the cheapest feasible node. */
export function place(
  job: PlacementJob,
  nodes: Iterable<PlacementNode>,
  transfer: TransferPrices,
): Decision {
  const feasible: Verdict[] = [];
  const rejected: Verdict[] = [];
  for (const node of nodes) {
    const verdict = judgeNode(job, node, transfer);
    (verdict.reason === 'FEASIBLE' ? feasible : rejected).push(verdict);
  }

  feasible.sort(compareFeasible);
  const chosen = feasible[0];
  const verdicts = [...feasible, ...rejected];
  const nodesTotal = verdicts.length;
  const couldLater = rejected.some((v) => v.retryable);

  return {
    chosen,
    verdicts,
    summary: summarise(job, verdicts, chosen),
    // With no node known at all the job waits for workers to join rather than failing.
    neverFits: nodesTotal > 0 && chosen === undefined && !couldLater,
    nodesTotal,
    nodesFeasible: feasible.length,
  };
}
