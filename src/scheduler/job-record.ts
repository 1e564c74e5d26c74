/**
 * A job as the scheduler holds it in memory and stores it. Plain data, JSON-safe, so it
 * goes to any store as it is.
 */
import type { Cost } from '../cost/formula.js';
import type { JobSpec } from '../api/gen/tgp/v1/tgp.js';

export type JobStateName =
  'PENDING' | 'SCHEDULED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export const TERMINAL_STATES: ReadonlySet<JobStateName> = new Set([
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
]);

/** What the job record keeps of a placement decision: the sentence and a few verdicts. */
export interface PlacementRecord {
  summary: string;
  chosenNodeId: string;
  nodesTotal: number;
  nodesFeasible: number;
  decidedAtMs: number;
  verdicts: {
    nodeId: string;
    reason: string;
    detail: string;
    cost: Cost | undefined;
    retryable: boolean;
  }[];
}

export interface JobRecord {
  spec: JobSpec;
  seq: number;
  state: JobStateName;
  nodeId: string;
  /** Attempt number of the current or last run; 0 before the first placement. */
  attempt: number;
  /** Why the job waits, or how it ended, for people. */
  reason: string;
  /** Stable ending code (EXITED, OOM_KILLED, ...); empty until the job ends. */
  endReason: string;
  estimated: Cost | undefined;
  actual: Cost | undefined;
  exitCode: number;
  submittedAtMs: number;
  scheduledAtMs: number;
  startedAtMs: number;
  finishedAtMs: number;
  actualRuntimeS: number;
  placement: PlacementRecord | undefined;
  /** A cancel was asked while the job ran; it ends CANCELLED when the worker confirms. */
  cancelRequested: boolean;
  /** Runs lost with their node, counted against the attempt limit. */
  lostRuns: number;
  /** Bytes of output kept; `logBytesCut` bytes before them were dropped by the cap. */
  logBytes: number;
  logBytesCut: number;
  /**
   * Bytes of the current attempt's output received, by the worker's offsets. A chunk sent
   * again after a reconnect is recognised by its offset and not kept twice.
   */
  runOutputBytes: number;
}

export function isTerminal(state: JobStateName): boolean {
  return TERMINAL_STATES.has(state);
}
