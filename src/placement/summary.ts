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

  const feasible = counts.get('FEASIBLE') ?? 0;
  const head = `${feasible}/${verdicts.length} nodes available`;
  const parts: string[] = [];
  const rejections = [...counts.entries()].filter(([r]) => r !== 'FEASIBLE');
  rejections.sort((a, b) => b[1] - a[1]);
  for (const [reason, n] of rejections) {
    let part = `${n} ${PHRASES[reason]}`;
    if (reason === 'OVER_BUDGET') {
      part += ` (cheapest ${formatUsd(cheapestOverBudget)} > ${formatUsd(job.maxBudgetUsd)})`;
    }
    if (reason === 'OVER_LATENCY') {
      part += ` (fastest ${Math.round(fastestOverLatency)} ms > ${job.maxLatencyMs} ms)`;
    }
    parts.push(part);
  }

  let line = parts.length > 0 ? `${head}: ${parts.join(', ')}` : head;
  if (chosen?.cost) {
    line += `; chose ${chosen.nodeId} at ${formatUsd(chosen.cost.totalCostUsd)}`;
    const runnerUp = verdicts.find((v) => v.reason === 'FEASIBLE' && v !== chosen);
    if (runnerUp?.cost)
      line += ` (next ${runnerUp.nodeId} ${formatUsd(runnerUp.cost.totalCostUsd)})`;
  }
  return line;
}
