/**
 * Sums per-node verdicts into one sentence, in dollars where money decided:
 * "0/3 nodes available: 2 over budget (cheapest $7.20 > $5.00), 1 insufficient memory".
 */
import { formatUsd } from '../cost/formula.js';
import type { PlacementJob, Reason, Verdict } from './types.js';

const PHRASES: Record<Reason, string> = {
  FEASIBLE: 'available',
  NO_EXECUTOR: 'lack the executor',
  CONSTRAINT_MISMATCH: 'label mismatch',
  GPU_MODEL_MISMATCH: 'wrong GPU model',
  NODE_TOO_SMALL_CPU: 'too few cores in all',
  NODE_TOO_SMALL_MEMORY: 'too little memory in all',
  NODE_TOO_SMALL_GPU: 'too few GPUs in all',
  NODE_TOO_SMALL_DISK: 'too little disk in all',
  OVER_BUDGET: 'over budget',
  OVER_LATENCY: 'over latency limit',
  NODE_DOWN: 'down',
  INSUFFICIENT_CPU: 'insufficient cpu',
  INSUFFICIENT_MEMORY: 'insufficient memory',
  INSUFFICIENT_GPU: 'insufficient gpu',
  INSUFFICIENT_DISK: 'insufficient disk',
};

/** Human phrase for a reason code. */
export function reasonPhrase(reason: Reason): string {
  return PHRASES[reason];
}

/**
 * What the summary sentence is written from: counts by reason plus the extremes it quotes.
 * The placement engine builds one from its node classes without a verdict per node.
 */
export interface ReasonTally {
  /** Nodes judged. */
  nodesTotal: number;
  /**
   * Nodes per reason. Among rejections of equal count the sentence keeps this order, which
   * is that of each reason's first node in the order the nodes were judged.
   */
  counts: ReadonlyMap<Reason, number>;
  /** Lowest total of the OVER_BUDGET nodes, USD; Infinity when there are none. */
  cheapestOverBudgetUsd: number;
  /** Lowest latency estimate of the OVER_LATENCY nodes, milliseconds; Infinity when none. */
  fastestOverLatencyMs: number;
}

/** The one-line summary of a decision. */
export function summarise(
  job: PlacementJob,
  verdicts: readonly Verdict[],
  chosen: Verdict | undefined,
): string {
  const counts = new Map<Reason, number>();
  let cheapestOverBudget = Infinity;
  let fastestOverLatency = Infinity;
  for (const v of verdicts) {
    counts.set(v.reason, (counts.get(v.reason) ?? 0) + 1);
    if (v.reason === 'OVER_BUDGET' && v.cost) {
      cheapestOverBudget = Math.min(cheapestOverBudget, v.cost.totalCostUsd);
    }
    if (v.reason === 'OVER_LATENCY' && v.cost) {
      fastestOverLatency = Math.min(fastestOverLatency, v.cost.estimatedLatencyMs);
    }
  }
  const tally: ReasonTally = {
    nodesTotal: verdicts.length,
    counts,
    cheapestOverBudgetUsd: cheapestOverBudget,
    fastestOverLatencyMs: fastestOverLatency,
  };
  const runnerUp = verdicts.find((v) => v.reason === 'FEASIBLE' && v !== chosen);
  return summariseTally(job, tally, chosen, runnerUp);
}

/**
 * The same sentence from a tally: `chosen` is the node picked, `runnerUp` the next
 * cheapest feasible one, each when there is one.
 */
export function summariseTally(
  job: PlacementJob,
  tally: ReasonTally,
  chosen: Verdict | undefined,
  runnerUp: Verdict | undefined,
): string {
  const feasible = tally.counts.get('FEASIBLE') ?? 0;
  const head = `${feasible}/${tally.nodesTotal} nodes available`;
  const parts: string[] = [];
  const rejections = [...tally.counts.entries()].filter(([r, n]) => r !== 'FEASIBLE' && n > 0);
  rejections.sort((a, b) => b[1] - a[1]);
  for (const [reason, n] of rejections) {
    let part = `${n} ${PHRASES[reason]}`;
    // A tally without the amount (verdicts handed in unpriced) says less, never "Infinity".
    if (reason === 'OVER_BUDGET' && Number.isFinite(tally.cheapestOverBudgetUsd)) {
      const cheapest = formatUsd(tally.cheapestOverBudgetUsd);
      part += ` (cheapest ${cheapest} > ${formatUsd(job.maxBudgetUsd)})`;
    }
    if (reason === 'OVER_LATENCY' && Number.isFinite(tally.fastestOverLatencyMs)) {
      part += ` (fastest ${Math.round(tally.fastestOverLatencyMs)} ms > ${job.maxLatencyMs} ms)`;
    }
    parts.push(part);
  }

  let line = parts.length > 0 ? `${head}: ${parts.join(', ')}` : head;
  if (chosen?.cost) {
    line += `; chose ${chosen.nodeId} at ${formatUsd(chosen.cost.totalCostUsd)}`;
    if (runnerUp?.cost)
      line += ` (next ${runnerUp.nodeId} ${formatUsd(runnerUp.cost.totalCostUsd)})`;
  }
  return line;
}
