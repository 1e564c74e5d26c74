/** The shapes placement works on: a job's demand and a node's capacity, price and state. */
import type { Cost, CostedJob, CostedNode } from '../cost/formula.js';

export interface PlacementJob extends CostedJob {
  jobId: string;
  gpuModel: string;
  diskGb: number;
  /** Executor the job needs: "docker" when it names an image, else "process". */
  executor: string;
  constraints: Readonly<Record<string, string>>;
  maxBudgetUsd: number;
  maxLatencyMs: number;
}

/** Amounts of each resource; also used for what is free. */
export interface ResourceAmounts {
  cpuCores: number;
  memoryGb: number;
  gpuCount: number;
  diskGb: number;
}

export interface PlacementNode extends CostedNode {
  nodeId: string;
  /** Registered, connected and heartbeating. */
  ready: boolean;
  gpuModel: string;
  diskGb: number;
  labels: Readonly<Record<string, string>>;
  executors: readonly string[];
  /** Capacity not yet promised to placed jobs. */
  free: ResourceAmounts;
}

/** Every stable reason code of a node's verdict, feasible first, then in pipeline order. */
export const REASONS = [
  'FEASIBLE',
  'NO_EXECUTOR',
  'CONSTRAINT_MISMATCH',
  'GPU_MODEL_MISMATCH',
  'NODE_TOO_SMALL_CPU',
  'NODE_TOO_SMALL_MEMORY',
  'NODE_TOO_SMALL_GPU',
  'NODE_TOO_SMALL_DISK',
  'OVER_BUDGET',
  'OVER_LATENCY',
  'NODE_DOWN',
  'INSUFFICIENT_CPU',
  'INSUFFICIENT_MEMORY',
  'INSUFFICIENT_GPU',
  'INSUFFICIENT_DISK',
] as const;

/** Stable reason codes of a node's verdict. */
export type Reason = (typeof REASONS)[number];

/** One node's verdict for one job. */
export interface Verdict {
  nodeId: string;
  reason: Reason;
  detail: string;
  /** Formula 4.1 on this node, when the pipeline got as far as pricing it. */
  cost: Cost | undefined;
  /** The node could take the job once running work ends or it comes back. */
  retryable: boolean;
}

/** The outcome of placing one job: the node chosen, if any, and why. */
export interface Decision {
  chosen: Verdict | undefined;
  /** Every node's verdict, feasible ones sorted cheapest first. */
  verdicts: Verdict[];
  /** One line for people: "0/3 nodes available: 2 over budget ...". */
  summary: string;
  /** No known node could ever take the job as specified. */
  neverFits: boolean;
  nodesTotal: number;
  nodesFeasible: number;
}
