/**
 * Each feasibility step on its own: it passes, or rejects with its stable reason code,
 * a detail naming the values, and whether waiting could help.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cost } from '../../src/cost/formula.js';
import {
  fitsFree,
  fitsNode,
  hasExecutor,
  isReady,
  matchesConstraints,
  matchesGpuModel,
  withinBudget,
  withinLatency,
} from '../../src/placement/filters.js';
import { job, node } from '../helpers/local-grid.js';

function cost(totalCostUsd: number, estimatedLatencyMs = 100): Cost {
  return {
    computeCostUsd: totalCostUsd,
    dataTransferUsd: 0,
    idleOpportunityUsd: 0,
    totalCostUsd,
    estimatedLatencyMs,
    utilization: 1,
  };
}

const box = node({ nodeId: 'box', cpuCores: 4, memoryGb: 8, gpuCount: 2, diskGb: 100 });

test('hasExecutor passes a node that runs the kind of job asked for', () => {
  assert.equal(
    hasExecutor(job({ executor: 'docker' }), { ...box, executors: ['docker'] }),
    undefined,
  );
});

test('hasExecutor rejects a container job on a process-only node for good', () => {
  assert.deepEqual(hasExecutor(job({ executor: 'docker' }), box), {
    reason: 'NO_EXECUTOR',
    detail: 'no docker executor (has process)',
    retryable: false,
  });
});

test('matchesConstraints passes when every required label has the same value', () => {
  const labelled = { ...box, labels: { kind: 'vps', zone: 'a' } };
  assert.equal(matchesConstraints(job({ constraints: { kind: 'vps' } }), labelled), undefined);
  assert.equal(matchesConstraints(job(), labelled), undefined);
});

test('matchesConstraints rejects a label of another value or none, for good', () => {
  const labelled = { ...box, labels: { kind: 'cloud' } };
  assert.deepEqual(matchesConstraints(job({ constraints: { kind: 'vps' } }), labelled), {
    reason: 'CONSTRAINT_MISMATCH',
    detail: 'label kind=cloud, job needs vps',
    retryable: false,
  });
  assert.equal(
    matchesConstraints(job({ constraints: { zone: 'a' } }), labelled)?.detail,
    'label zone=(unset), job needs a',
  );
});

test('matchesGpuModel passes jobs without GPUs, without a model, or with the same model', () => {
  const t4 = { ...box, gpuModel: 'T4' };
  assert.equal(matchesGpuModel(job({ gpuModel: 'A10' }), t4), undefined);
  assert.equal(matchesGpuModel(job({ gpuCount: 1 }), t4), undefined);
  assert.equal(matchesGpuModel(job({ gpuCount: 1, gpuModel: 'T4' }), t4), undefined);
});

test('matchesGpuModel rejects another GPU model for good', () => {
  assert.deepEqual(
    matchesGpuModel(job({ gpuCount: 1, gpuModel: 'A10' }), { ...box, gpuModel: 'T4' }),
    {
      reason: 'GPU_MODEL_MISMATCH',
      detail: 'GPU model T4, job needs A10',
      retryable: false,
    },
  );
  assert.equal(
    matchesGpuModel(job({ gpuCount: 1, gpuModel: 'A10' }), box)?.detail,
    'GPU model (none), job needs A10',
  );
});

test('fitsNode passes a job as large as the whole node', () => {
  const whole = job({ cpuCores: 4, memoryGb: 8, gpuCount: 2, diskGb: 100 });
  assert.equal(
    fitsNode(whole, { ...box, free: { cpuCores: 0, memoryGb: 0, gpuCount: 0, diskGb: 0 } }),
    undefined,
  );
});

test('fitsNode rejects a job larger than the node in any dimension, for good', () => {
  const cases = [
    [job({ cpuCores: 5 }), 'NODE_TOO_SMALL_CPU', 'node has 4 cores, job needs 5'],
    [job({ memoryGb: 9 }), 'NODE_TOO_SMALL_MEMORY', 'node has 8 GB memory, job needs 9'],
    [job({ gpuCount: 3 }), 'NODE_TOO_SMALL_GPU', 'node has 2 GPUs, job needs 3'],
    [job({ diskGb: 200 }), 'NODE_TOO_SMALL_DISK', 'node has 100 GB disk, job needs 200'],
  ] as const;
  for (const [j, reason, detail] of cases) {
    assert.deepEqual(fitsNode(j, box), { reason, detail, retryable: false });
  }
});

test('withinBudget passes a cost up to the budget itself', () => {
  assert.equal(withinBudget(job({ maxBudgetUsd: 5 }), cost(5)), undefined);
  assert.equal(withinBudget(job({ maxBudgetUsd: 5 }), cost(0.1)), undefined);
});

test('withinBudget rejects a cost over the budget, in dollars, for good', () => {
  assert.deepEqual(withinBudget(job({ maxBudgetUsd: 5 }), cost(7.2)), {
    reason: 'OVER_BUDGET',
    detail: 'cost $7.20 > budget $5.00',
    retryable: false,
  });
});

test('withinLatency passes an estimate up to the limit itself', () => {
  assert.equal(withinLatency(job({ maxLatencyMs: 100 }), cost(1, 100)), undefined);
});

test('withinLatency rejects an estimate over the limit, in milliseconds, for good', () => {
  assert.deepEqual(withinLatency(job({ maxLatencyMs: 60_000 }), cost(1, 400_021)), {
    reason: 'OVER_LATENCY',
    detail: 'latency 400021 ms > limit 60000 ms',
    retryable: false,
  });
});

test('isReady passes a connected node', () => {
  assert.equal(isReady(job(), box), undefined);
});

test('isReady rejects a down node as one that may come back', () => {
  assert.deepEqual(isReady(job(), { ...box, ready: false }), {
    reason: 'NODE_DOWN',
    detail: 'node is down',
    retryable: true,
  });
});

test('fitsFree passes a job that fits in what is not yet promised', () => {
  const half = { ...box, free: { cpuCores: 2, memoryGb: 4, gpuCount: 1, diskGb: 50 } };
  assert.equal(
    fitsFree(job({ cpuCores: 2, memoryGb: 4, gpuCount: 1, diskGb: 50 }), half),
    undefined,
  );
});

test('fitsFree rejects a job larger than what is free as one that may fit later', () => {
  const busy = { ...box, free: { cpuCores: 0.5, memoryGb: 1, gpuCount: 0, diskGb: 10 } };
  const cases = [
    [job({ cpuCores: 1 }), 'INSUFFICIENT_CPU', '0.5 cores free, job needs 1'],
    [job({ cpuCores: 0.5, memoryGb: 2 }), 'INSUFFICIENT_MEMORY', '1 GB memory free, job needs 2'],
    [job({ cpuCores: 0.5, gpuCount: 1 }), 'INSUFFICIENT_GPU', '0 GPUs free, job needs 1'],
    [job({ cpuCores: 0.5, diskGb: 20 }), 'INSUFFICIENT_DISK', '10 GB disk free, job needs 20'],
  ] as const;
  for (const [j, reason, detail] of cases) {
    assert.deepEqual(fitsFree(j, busy), { reason, detail, retryable: true });
  }
});
