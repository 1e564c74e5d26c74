/**
 * The feasibility steps of the placement pipeline. Each is a small named function that
 * returns undefined when the node passes, or the rejection with its stable reason.
 * Permanent checks (the node can never take the job) come in pipeline.ts before the
 * passing ones (it cannot take it now), so a job waits only for nodes that could serve it.
 */
import { formatUsd, type Cost } from '../cost/formula.js';
import type { PlacementJob, PlacementNode, Reason, ResourceAmounts } from './types.js';

/** A rejection before it is tied to a node. */
export interface Rejection {
  reason: Reason;
  detail: string;
  retryable: boolean;
}

function reject(reason: Reason, detail: string, retryable = false): Rejection {
  return { reason, detail, retryable };
}

/** The node runs the kind of job asked for (a container needs Docker). */
export function hasExecutor(job: PlacementJob, node: PlacementNode): Rejection | undefined {
  if (node.executors.includes(job.executor)) return undefined;
  return reject('NO_EXECUTOR', `no ${job.executor} executor (has ${node.executors.join(', ')})`);
}

/** Every label the job requires is on the node with the same value. */
export function matchesConstraints(job: PlacementJob, node: PlacementNode): Rejection | undefined {
  for (const [key, want] of Object.entries(job.constraints)) {
    const have = node.labels[key];
    if (have !== want) {
      return reject('CONSTRAINT_MISMATCH', `label ${key}=${have ?? '(unset)'}, job needs ${want}`);
    }
  }
  return undefined;
}

/** A job that names a GPU model runs only where that model is. */
export function matchesGpuModel(job: PlacementJob, node: PlacementNode): Rejection | undefined {
  if (job.gpuCount === 0 || job.gpuModel === '' || job.gpuModel === node.gpuModel) return undefined;
  return reject(
    'GPU_MODEL_MISMATCH',
    `GPU model ${node.gpuModel || '(none)'}, job needs ${job.gpuModel}`,
  );
}

const DIMENSIONS = [
  ['cpuCores', 'CPU', 'cores'],
  ['memoryGb', 'MEMORY', 'GB memory'],
  ['gpuCount', 'GPU', 'GPUs'],
  ['diskGb', 'DISK', 'GB disk'],
] as const;

/** The job is no larger than the whole node, in every dimension. */
export function fitsNode(job: PlacementJob, node: PlacementNode): Rejection | undefined {
  const total: ResourceAmounts = node;
  for (const [key, name, unit] of DIMENSIONS) {
    if (job[key] > total[key] + 1e-9) {
      return reject(
        `NODE_TOO_SMALL_${name}`,
        `node has ${total[key]} ${unit}, job needs ${job[key]}`,
      );
    }
  }
  return undefined;
}

/** The placement's Formula 4.1 total is within the job's budget. */
export function withinBudget(job: PlacementJob, cost: Cost): Rejection | undefined {
  if (cost.totalCostUsd <= job.maxBudgetUsd + 1e-12) return undefined;
  const detail = `cost ${formatUsd(cost.totalCostUsd)} > budget ${formatUsd(job.maxBudgetUsd)}`;
  return reject('OVER_BUDGET', detail);
}

/** Start + data transfer + round trip fit the job's latency limit. */
export function withinLatency(job: PlacementJob, cost: Cost): Rejection | undefined {
  if (cost.estimatedLatencyMs <= job.maxLatencyMs) return undefined;
  const detail = `latency ${Math.round(cost.estimatedLatencyMs)} ms > limit ${job.maxLatencyMs} ms`;
  return reject('OVER_LATENCY', detail);
}

/** The node is connected and heartbeating; a down node may come back. */
export function isReady(_job: PlacementJob, node: PlacementNode): Rejection | undefined {
  return node.ready ? undefined : reject('NODE_DOWN', 'node is down', true);
}

/** What the node has not yet promised to other jobs covers the job. */
export function fitsFree(job: PlacementJob, node: PlacementNode): Rejection | undefined {
  for (const [key, name, unit] of DIMENSIONS) {
    if (job[key] > node.free[key] + 1e-9) {
      const detail = `${round(node.free[key])} ${unit} free, job needs ${job[key]}`;
      return reject(`INSUFFICIENT_${name}`, detail, true);
    }
  }
  return undefined;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
