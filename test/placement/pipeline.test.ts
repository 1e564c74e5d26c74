/**
 * The pipeline as a whole: the order in which judgeNode applies its steps, how place()
 * selects among feasible nodes, when a job can never fit, and that no admitted placement
 * costs more than its budget.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransferPrices } from '../../src/cost/transfer.js';
import { judgeNode, place } from '../../src/placement/pipeline.js';
import type { PlacementJob, PlacementNode } from '../../src/placement/types.js';
import {
  CLOUD_GPU_3,
  DEMO,
  LOCAL_GRID_NODES,
  LOCAL_GRID_TRANSFER,
  VPS_2,
  job,
  node,
} from '../helpers/local-grid.js';
import { seeded, type Random } from '../helpers/random.js';

const grid = new TransferPrices(LOCAL_GRID_TRANSFER);
const NONE_FREE = { cpuCores: 0, memoryGb: 0, gpuCount: 0, diskGb: 0 };

// judgeNode: permanent filters, then price, budget and latency, then transient filters.

test('judgeNode checks the executor, then labels, then size', () => {
  const wrong = node({
    nodeId: 'n',
    cpuCores: 1,
    labels: { kind: 'cloud' },
    executors: ['process'],
  });
  const big = job({ cpuCores: 2, executor: 'docker', constraints: { kind: 'vps' } });
  assert.equal(judgeNode(big, wrong, grid).reason, 'NO_EXECUTOR');
  assert.equal(
    judgeNode({ ...big, executor: 'process' }, wrong, grid).reason,
    'CONSTRAINT_MISMATCH',
  );
  assert.equal(
    judgeNode({ ...big, executor: 'process', constraints: {} }, wrong, grid).reason,
    'NODE_TOO_SMALL_CPU',
  );
});

test('judgeNode calls a node without GPUs too small rather than the wrong model', () => {
  const verdict = judgeNode(job({ gpuCount: 1, gpuModel: 'T4' }), VPS_2, grid);
  assert.equal(verdict.reason, 'NODE_TOO_SMALL_GPU');
  assert.equal(verdict.detail, 'node has 0 GPUs, job needs 1');
  const a10 = judgeNode({ ...DEMO.trainGpu, gpuModel: 'A10' }, CLOUD_GPU_3, grid);
  assert.equal(a10.reason, 'GPU_MODEL_MISMATCH');
});

test('judgeNode leaves a permanent rejection unpriced and not retryable', () => {
  const verdict = judgeNode(job({ cpuCores: 3 }), VPS_2, grid);
  assert.equal(verdict.cost, undefined);
  assert.equal(verdict.retryable, false);
});

test('judgeNode reports a node too small before one that is down or busy', () => {
  const downAndBusy = { ...VPS_2, ready: false, free: NONE_FREE };
  const verdict = judgeNode(job({ memoryGb: 8 }), downAndBusy, grid);
  assert.equal(verdict.reason, 'NODE_TOO_SMALL_MEMORY');
  assert.equal(verdict.retryable, false);
});

test('judgeNode checks the budget before the latency limit', () => {
  const verdict = judgeNode(job({ maxBudgetUsd: 0.05, maxLatencyMs: 10 }), VPS_2, grid);
  assert.equal(verdict.reason, 'OVER_BUDGET');
  assert.equal(verdict.detail, 'cost $0.10 > budget $0.05');
});

test('judgeNode checks budget and latency before the node being down or busy', () => {
  const down = { ...VPS_2, ready: false };
  const busy = { ...VPS_2, free: NONE_FREE };
  const overBudget = judgeNode(job({ maxBudgetUsd: 0.05 }), down, grid);
  assert.equal(overBudget.reason, 'OVER_BUDGET');
  assert.equal(overBudget.retryable, false);
  const overLatency = judgeNode(job({ maxLatencyMs: 99 }), busy, grid);
  assert.equal(overLatency.reason, 'OVER_LATENCY');
  assert.equal(overLatency.retryable, false);
});

test('judgeNode reports a down node before a busy one, both as retryable', () => {
  const down = judgeNode(job(), { ...VPS_2, ready: false, free: NONE_FREE }, grid);
  assert.equal(down.reason, 'NODE_DOWN');
  assert.equal(down.retryable, true);
  const busy = judgeNode(job(), { ...VPS_2, free: NONE_FREE }, grid);
  assert.equal(busy.reason, 'INSUFFICIENT_CPU');
  assert.equal(busy.retryable, true);
});

test('judgeNode prices every node that passed the permanent filters, with no wait', () => {
  const busy = judgeNode(job(), { ...VPS_2, free: NONE_FREE }, grid);
  const feasible = judgeNode(job(), VPS_2, grid);
  assert.equal(feasible.reason, 'FEASIBLE');
  assert.equal(feasible.detail, '');
  assert.equal(feasible.retryable, false);
  for (const v of [busy, feasible]) {
    assert.ok(v.cost && Math.abs(v.cost.totalCostUsd - 0.1) < 1e-12);
    assert.equal(v.cost.estimatedLatencyMs, 100);
  }
});

// place: selection among feasible nodes.

test('place picks the cheaper of two feasible nodes', () => {
  const dear = node({ nodeId: 'a-dear', pricePerHourUsd: 0.3 });
  const cheap = node({ nodeId: 'b-cheap', pricePerHourUsd: 0.1 });
  const decision = place(job(), [dear, cheap], grid);
  assert.equal(decision.chosen?.nodeId, 'b-cheap');
  assert.deepEqual(
    decision.verdicts.map((v) => v.nodeId),
    ['b-cheap', 'a-dear'],
  );
});

test('place breaks a tie in cost by the lower estimated latency', () => {
  const slow = node({ nodeId: 'a-slow', startupMs: 500 });
  const fast = node({ nodeId: 'b-fast', startupMs: 10 });
  assert.equal(place(job(), [slow, fast], grid).chosen?.nodeId, 'b-fast');
});

test('place breaks a tie in cost and latency by node id, whatever the node order', () => {
  const twins = [node({ nodeId: 'n-2' }), node({ nodeId: 'n-1' }), node({ nodeId: 'n-3' })];
  assert.equal(place(job(), twins, grid).chosen?.nodeId, 'n-1');
  assert.equal(place(job(), [...twins].reverse(), grid).chosen?.nodeId, 'n-1');
});

test('place lists feasible verdicts cheapest first, then rejections in node order', () => {
  const nodes = [
    node({ nodeId: 'small', cpuCores: 1, memoryGb: 1 }),
    node({ nodeId: 'dear', pricePerHourUsd: 0.5 }),
    node({ nodeId: 'down', ready: false }),
    node({ nodeId: 'cheap', pricePerHourUsd: 0.1 }),
  ];
  const decision = place(job({ memoryGb: 2 }), nodes, grid);
  assert.deepEqual(
    decision.verdicts.map((v) => `${v.nodeId}:${v.reason}`),
    ['cheap:FEASIBLE', 'dear:FEASIBLE', 'small:NODE_TOO_SMALL_MEMORY', 'down:NODE_DOWN'],
  );
  assert.equal(decision.nodesTotal, 4);
  assert.equal(decision.nodesFeasible, 2);
});

test('place sends the local-grid demo jobs where docs/cost-model.md says', () => {
  const where = (j: PlacementJob) => place(j, LOCAL_GRID_NODES, grid).chosen?.nodeId;
  assert.equal(where(DEMO.hello), 'onprem-1');
  assert.equal(where(DEMO.batch1), 'onprem-1');
  assert.equal(where(DEMO.etlEu), 'vps-2');
  assert.equal(where(DEMO.trainGpu), 'cloud-gpu-3');
  assert.equal(where(DEMO.tooDear), undefined);
});

// place: neverFits.

test('place marks a job neverFits when no node could ever take it', () => {
  const decision = place(DEMO.tooDear, LOCAL_GRID_NODES, grid);
  assert.equal(decision.neverFits, true);
  assert.deepEqual(
    decision.verdicts.map((v) => v.reason),
    ['NODE_TOO_SMALL_CPU', 'NODE_TOO_SMALL_CPU', 'OVER_BUDGET'],
  );
});

test('place does not mark neverFits when the only fitting node is busy', () => {
  const busy = { ...VPS_2, free: NONE_FREE };
  const decision = place(job(), [busy, node({ nodeId: 'tiny', cpuCores: 0.5 })], grid);
  assert.equal(decision.chosen, undefined);
  assert.equal(decision.neverFits, false);
});

test('place does not mark neverFits when the only fitting node is down', () => {
  const decision = place(job(), [{ ...VPS_2, ready: false }], grid);
  assert.equal(decision.chosen, undefined);
  assert.equal(decision.neverFits, false);
});

test('place does not mark neverFits while no node is known at all', () => {
  const decision = place(job(), [], grid);
  assert.equal(decision.neverFits, false);
  assert.equal(decision.nodesTotal, 0);
});

test('place does not mark neverFits when a node fits', () => {
  assert.equal(place(job(), [VPS_2], grid).neverFits, false);
});

// Properties over seeded random inputs.

const CASES = 300;
const LOCATIONS = ['office', 'eu-1', 'us-east'];

function randomJob(r: Random): PlacementJob {
  return job({
    cpuCores: r.real(0.1, 4),
    memoryGb: r.real(0.1, 16),
    gpuCount: r.chance(0.7) ? 0 : r.int(1, 2),
    gpuModel: r.pick(['', '', '', 'T4', 'A10']),
    durationS: r.real(60, 4 * 3600),
    inputDataGb: r.chance(0.5) ? 0 : r.real(0, 20),
    dataLocation: r.pick(LOCATIONS),
    executor: r.pick(['process', 'process', 'process', 'docker']),
    constraints: r.chance(0.8) ? {} : { kind: r.pick(['vps', 'cloud']) },
    maxBudgetUsd: r.real(0, 3),
    maxLatencyMs: r.real(100, 600_000),
  });
}

function randomNode(r: Random, i: number): PlacementNode {
  const cpuCores = r.int(1, 16);
  const memoryGb = r.int(1, 64);
  const gpuCount = r.chance(0.6) ? 0 : r.int(1, 4);
  return node({
    nodeId: `n-${i}`,
    ready: r.chance(0.9),
    cpuCores,
    memoryGb,
    gpuCount,
    gpuModel: gpuCount > 0 ? r.pick(['T4', 'A10']) : '',
    pricePerHourUsd: r.real(0, 2),
    opportunityCostPerHourUsd: r.chance(0.7) ? 0 : r.real(0, 0.5),
    location: r.pick(LOCATIONS),
    startupMs: r.real(0, 2000),
    rttMs: r.real(0, 200),
    labels: { kind: r.pick(['vps', 'cloud', 'on-prem']) },
    executors: r.chance(0.5) ? ['process'] : ['process', 'docker'],
    free: {
      cpuCores: r.real(0, cpuCores),
      memoryGb: r.real(0, memoryGb),
      gpuCount: r.int(0, gpuCount),
      diskGb: 100,
    },
  });
}

test('place never admits a placement that costs more than the budget', () => {
  const r = seeded(61);
  let placed = 0;
  for (let i = 0; i < CASES; i++) {
    const j = randomJob(r);
    const nodes = Array.from({ length: r.int(0, 6) }, (_, k) => randomNode(r, k));
    const decision = place(j, nodes, grid);

    for (const v of decision.verdicts.filter((x) => x.reason === 'FEASIBLE')) {
      assert.ok(v.cost, `case ${i}: a feasible verdict is priced`);
      assert.ok(v.cost.totalCostUsd <= j.maxBudgetUsd + 1e-9, `case ${i}: ${v.nodeId}`);
      assert.ok(v.cost.estimatedLatencyMs <= j.maxLatencyMs, `case ${i}: ${v.nodeId}`);
    }
    if (decision.chosen?.cost) {
      placed += 1;
      assert.ok(decision.chosen.cost.totalCostUsd <= j.maxBudgetUsd + 1e-9, `case ${i}`);
    }
  }
  assert.ok(placed > CASES / 5, `only ${placed} of ${CASES} cases placed a job`);
});

test('place chooses the cheapest feasible node and marks neverFits only with no hope', () => {
  const r = seeded(62);
  for (let i = 0; i < CASES; i++) {
    const j = randomJob(r);
    const nodes = Array.from({ length: r.int(1, 6) }, (_, k) => randomNode(r, k));
    const decision = place(j, nodes, grid);
    const verdicts = nodes.map((n) => judgeNode(j, n, grid));
    const feasible = verdicts.filter((v) => v.reason === 'FEASIBLE');

    assert.equal(decision.nodesFeasible, feasible.length, `case ${i}`);
    const cheapest = Math.min(...feasible.map((v) => v.cost?.totalCostUsd ?? Infinity));
    if (decision.chosen?.cost) {
      assert.ok(decision.chosen.cost.totalCostUsd <= cheapest + 1e-12, `case ${i}`);
    }
    const hope = feasible.length > 0 || verdicts.some((v) => v.retryable);
    assert.equal(decision.neverFits, !hope, `case ${i}`);
  }
});
