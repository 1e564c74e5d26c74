/** Converts between the scheduler's records and the wire messages of tgp.v1. */
import type { Cost } from '../cost/formula.js';
import type { Decision } from '../placement/types.js';
import type { JobRecord, JobStateName, PlacementRecord } from '../scheduler/job-record.js';
import type { NodeEntry } from '../scheduler/node-registry.js';
import type { StoredEvent } from '../store/store.js';
import {
  JobState,
  NodeState,
  type CostBreakdown,
  type Job,
  type JobEvent,
  type Node,
  type PlacementReport,
} from './gen/tgp/v1/tgp.js';

const STATE_TO_WIRE: Record<JobStateName, JobState> = {
  PENDING: JobState.PENDING,
  SCHEDULED: JobState.SCHEDULED,
  RUNNING: JobState.RUNNING,
  SUCCEEDED: JobState.SUCCEEDED,
  FAILED: JobState.FAILED,
  CANCELLED: JobState.CANCELLED,
};

export function stateToWire(state: JobStateName | string): JobState {
  return STATE_TO_WIRE[state as JobStateName] ?? JobState.JOB_STATE_UNSPECIFIED;
}

export function stateFromWire(state: JobState): JobStateName | undefined {
  const entry = Object.entries(STATE_TO_WIRE).find(([, v]) => v === state);
  return entry?.[0] as JobStateName | undefined;
}

export function costToWire(cost: Cost | undefined): CostBreakdown | undefined {
  if (!cost) return undefined;
  return {
    computeCostUsd: cost.computeCostUsd,
    dataTransferUsd: cost.dataTransferUsd,
    idleOpportunityUsd: cost.idleOpportunityUsd,
    totalCostUsd: cost.totalCostUsd,
    estimatedLatencyMs: cost.estimatedLatencyMs,
    utilization: cost.utilization,
  };
}

/** The placement report; without per-node verdicts when `verdicts` is false. */
export function placementToWire(
  p: PlacementRecord | undefined,
  verdicts = true,
): PlacementReport | undefined {
  if (!p) return undefined;
  return {
    summary: p.summary,
    chosenNodeId: p.chosenNodeId,
    nodesTotal: p.nodesTotal,
    nodesFeasible: p.nodesFeasible,
    decidedAtMs: p.decidedAtMs,
    verdicts: (verdicts ? p.verdicts : []).map((v) => ({
      nodeId: v.nodeId,
      reason: v.reason,
      detail: v.detail,
      cost: costToWire(v.cost),
      feasible: v.reason === 'FEASIBLE',
      retryable: v.retryable,
    })),
  };
}

export function decisionToWire(d: Decision): PlacementReport {
  return placementToWire({
    summary: d.summary,
    chosenNodeId: d.chosen?.nodeId ?? '',
    nodesTotal: d.nodesTotal,
    nodesFeasible: d.nodesFeasible,
    decidedAtMs: Date.now(),
    verdicts: d.verdicts,
  })!;
}

export function eventToWire(e: StoredEvent): JobEvent {
  return {
    jobId: e.jobId,
    seq: e.seq,
    atMs: e.atMs,
    type: e.type,
    message: e.message,
    attempt: e.attempt,
    state: stateToWire(e.state),
    nodeId: e.nodeId,
  };
}

/** A job on the wire; `verdicts` false leaves out the placement's per-node verdicts. */
export function jobToWire(job: JobRecord, events: StoredEvent[] = [], verdicts = true): Job {
  return {
    spec: job.spec,
    state: stateToWire(job.state),
    nodeId: job.nodeId,
    attempt: job.attempt,
    reason: job.reason,
    endReason: job.endReason,
    estimated: costToWire(job.estimated),
    actual: costToWire(job.actual),
    exitCode: job.exitCode,
    submittedAtMs: job.submittedAtMs,
    scheduledAtMs: job.scheduledAtMs,
    startedAtMs: job.startedAtMs,
    finishedAtMs: job.finishedAtMs,
    actualRuntimeS: job.actualRuntimeS,
    placement: placementToWire(job.placement, verdicts),
    events: events.map(eventToWire),
  };
}

export function nodeToWire(node: NodeEntry): Node {
  const r = node.reg;
  const free = node.free;
  return {
    nodeId: r.nodeId,
    capacity: {
      cpuCores: r.cpuCores,
      memoryGb: r.memoryGb,
      gpuCount: r.gpuCount,
      gpuModel: r.gpuModel,
      diskGb: r.diskGb,
    },
    free: {
      cpuCores: free.cpuCores,
      memoryGb: free.memoryGb,
      gpuCount: free.gpuCount,
      gpuModel: r.gpuModel,
      diskGb: free.diskGb,
    },
    pricePerHourUsd: r.pricePerHourUsd,
    opportunityCostPerHourUsd: r.opportunityCostPerHourUsd,
    location: r.location,
    labels: r.labels,
    state: node.ready ? NodeState.READY : NodeState.DOWN,
    lastHeartbeatMs: node.lastHeartbeatMs,
    runningJobIds: [...node.jobIds],
    executors: r.executors,
    startupMs: r.startupMs,
    rttMs: r.rttMs,
  };
}
