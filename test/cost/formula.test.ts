/**
 * Formula 4.1: every worked example of docs/cost-model.md to the cent, then properties
 * over seeded random jobs and nodes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { JobSpec } from '../../src/api/gen/tgp/v1/tgp.js';
import { parseTransfer, workerConfig } from '../../src/config/config.js';
import {
  priceJob,
  transferTimeMs,
  utilization,
  type Cost,
  type CostedJob,
  type CostedNode,
} from '../../src/cost/formula.js';
import { TransferPrices } from '../../src/cost/transfer.js';
import type { PlacementNode } from '../../src/placement/types.js';
import { placementJob } from '../../src/scheduler/scheduler.js';
import { validateJobSpec } from '../../src/scheduler/validate.js';
import {
  CLOUD_GPU_3,
  DEMO,
  LOCAL_GRID_NODES,
  LOCAL_GRID_TRANSFER,
  ONPREM_1,
  VPS_2,
  job,
  node,
} from '../helpers/local-grid.js';
import { seeded, type Random } from '../helpers/random.js';

const grid = new TransferPrices(LOCAL_GRID_TRANSFER);

/** Equal far below a cent: the doc's exact amounts, not rounded ones. */
function assertUsd(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);
}

function assertCost(cost: Cost, want: Omit<Cost, 'utilization'> & { utilization: number }): void {
  assertUsd(cost.computeCostUsd, want.computeCostUsd, 'C_comp');
  assertUsd(cost.dataTransferUsd, want.dataTransferUsd, 'C_data');
  assertUsd(cost.idleOpportunityUsd, want.idleOpportunityUsd, 'C_idle');
  assertUsd(cost.totalCostUsd, want.totalCostUsd, 'C_total');
  assert.ok(Math.abs(cost.estimatedLatencyMs - want.estimatedLatencyMs) < 1e-6, 'latency');
  assert.ok(Math.abs(cost.utilization - want.utilization) < 1e-12, 'utilization');
}

// Worked examples, in the order of docs/cost-model.md.

test('priceJob prices the original TGP example on vps-2 at $0.10 and 100 ms', () => {
  assertCost(priceJob(job(), VPS_2, grid), {
    computeCostUsd: 0.1,
    dataTransferUsd: 0,
    idleOpportunityUsd: 0,
    totalCostUsd: 0.1,
    estimatedLatencyMs: 100,
    utilization: 0.5,
  });
});

test('priceJob charges the owned onprem-1 its running cost plus its opportunity cost', () => {
  assertCost(priceJob(DEMO.batch1, ONPREM_1, grid), {
    computeCostUsd: 0.01,
    dataTransferUsd: 0,
    idleOpportunityUsd: 0.005,
    totalCostUsd: 0.015,
    estimatedLatencyMs: 21,
    utilization: 0.5,
  });
});

test('priceJob makes the idle owned box cheaper than either rented node for batch-1', () => {
  assertUsd(priceJob(DEMO.batch1, VPS_2, grid).totalCostUsd, 0.2, 'vps-2');
  assertUsd(priceJob(DEMO.batch1, CLOUD_GPU_3, grid).totalCostUsd, 0.1875, 'cloud-gpu-3');
  const owned = priceJob(DEMO.batch1, ONPREM_1, grid).totalCostUsd;
  assert.ok(owned < priceJob(DEMO.batch1, CLOUD_GPU_3, grid).totalCostUsd);
});

test('priceJob prefers the rented node once the owned box could earn more than $0.355/h', () => {
  const earns = (opportunityCostPerHourUsd: number) =>
    priceJob(DEMO.batch1, { ...ONPREM_1, opportunityCostPerHourUsd }, grid).totalCostUsd;
  const rented = priceJob(DEMO.batch1, CLOUD_GPU_3, grid).totalCostUsd;

  assertUsd(earns(0.355), rented, 'break-even');
  assert.ok(earns(0.35) < rented);
  assertUsd(earns(0.4), 0.21, 'earning $0.40/h');
  assert.ok(earns(0.4) > rented);
});

test('priceJob prices etl-eu next to its data on vps-2 at $0.05 and 40,100 ms', () => {
  assertCost(priceJob(DEMO.etlEu, VPS_2, grid), {
    computeCostUsd: 0.05,
    dataTransferUsd: 0,
    idleOpportunityUsd: 0,
    totalCostUsd: 0.05,
    estimatedLatencyMs: 40_100,
    utilization: 0.5,
  });
});

test('priceJob charges etl-eu on onprem-1 the office->eu-1 link in reverse', () => {
  assertCost(priceJob(DEMO.etlEu, ONPREM_1, grid), {
    computeCostUsd: 0.0025,
    dataTransferUsd: 0.5,
    idleOpportunityUsd: 0.00125,
    totalCostUsd: 0.50375,
    estimatedLatencyMs: 400_021,
    utilization: 0.25,
  });
});

test('priceJob charges etl-eu on cloud-gpu-3 $1.00 of transfer for $1.046875 in all', () => {
  assertCost(priceJob(DEMO.etlEu, CLOUD_GPU_3, grid), {
    computeCostUsd: 0.046875,
    dataTransferUsd: 1,
    idleOpportunityUsd: 0,
    totalCostUsd: 1.046875,
    estimatedLatencyMs: 200_180,
    utilization: 0.125,
  });
});

test('priceJob charges train-gpu all of cloud-gpu-3 because it takes the only GPU', () => {
  assertCost(priceJob(DEMO.trainGpu, CLOUD_GPU_3, grid), {
    computeCostUsd: 0.75,
    dataTransferUsd: 0,
    idleOpportunityUsd: 0,
    totalCostUsd: 0.75,
    estimatedLatencyMs: 180,
    utilization: 1,
  });
});

test('priceJob would charge train-gpu half as much if it left the GPU to others', () => {
  const cost = priceJob({ ...DEMO.trainGpu, gpuCount: 0 }, CLOUD_GPU_3, grid);
  assertUsd(cost.totalCostUsd, 0.375, 'without the GPU');
});

test('priceJob prices too-dear at $7.50 for ten hours of cloud-gpu-3', () => {
  assertUsd(priceJob(DEMO.tooDear, CLOUD_GPU_3, grid).totalCostUsd, 7.5, 'too-dear');
});

test('priceJob prices the actual cost again from the measured runtime', () => {
  const estimate = priceJob(DEMO.batch1, ONPREM_1, grid);
  const actual = priceJob({ ...DEMO.batch1, durationS: 2700 }, ONPREM_1, grid);

  assertUsd(estimate.totalCostUsd, 0.015, 'estimate');
  assertUsd(actual.computeCostUsd, 0.0075, 'actual C_comp');
  assertUsd(actual.idleOpportunityUsd, 0.00375, 'actual C_idle');
  assertUsd(actual.totalCostUsd, 0.01125, 'actual C_total');
  assert.equal(actual.estimatedLatencyMs, estimate.estimatedLatencyMs);
});

test('priceJob keeps C_data of the actual cost at the declared data volume', () => {
  const estimate = priceJob(DEMO.etlEu, ONPREM_1, grid);
  const actual = priceJob({ ...DEMO.etlEu, durationS: 2700 }, ONPREM_1, grid);
  assertUsd(actual.dataTransferUsd, estimate.dataTransferUsd, 'C_data');
  assertUsd(actual.computeCostUsd, 0.00375, 'actual C_comp');
});

test('the worked examples use the nodes and demo jobs of config/local-grid.json', () => {
  const file = JSON.parse(readFileSync('config/local-grid.json', 'utf8')) as {
    transfer: unknown;
    workers: Record<string, unknown>[];
    demo: Partial<JobSpec>[];
  };
  assert.deepEqual(parseTransfer(file.transfer), LOCAL_GRID_TRANSFER);

  const fromFile = file.workers.map((w) => workerConfig(w, {}, {}));
  assert.deepEqual(
    fromFile.map((w) => w.nodeId),
    LOCAL_GRID_NODES.map((n) => n.nodeId),
  );
  const costed = (n: Omit<PlacementNode, 'ready' | 'free' | 'nodeId'>) => ({
    cpuCores: n.cpuCores,
    memoryGb: n.memoryGb,
    gpuCount: n.gpuCount,
    gpuModel: n.gpuModel,
    diskGb: n.diskGb,
    pricePerHourUsd: n.pricePerHourUsd,
    opportunityCostPerHourUsd: n.opportunityCostPerHourUsd,
    location: n.location,
    labels: n.labels,
    executors: [...n.executors],
    startupMs: n.startupMs,
    rttMs: n.rttMs,
  });
  for (const [i, w] of fromFile.entries()) {
    assert.deepEqual(costed(w), costed(LOCAL_GRID_NODES[i]!), w.nodeId);
  }

  const demo = Object.values(DEMO);
  for (const spec of file.demo) {
    const want = demo.find((d) => d.jobId === spec.jobId);
    assert.ok(want, `demo job ${spec.jobId} has a fixture`);
    assert.deepEqual(placementJob(validateJobSpec(JobSpec.fromPartial(spec))), want);
  }
});

// Single terms.

test('utilization takes the largest of the CPU, memory and GPU shares', () => {
  const n = node({ nodeId: 'n', cpuCores: 8, memoryGb: 32, gpuCount: 4 });
  assert.equal(utilization(job({ cpuCores: 2, memoryGb: 4 }), n), 0.25);
  assert.equal(utilization(job({ cpuCores: 1, memoryGb: 16 }), n), 0.5);
  assert.equal(utilization(job({ cpuCores: 1, memoryGb: 1, gpuCount: 3 }), n), 0.75);
  assert.equal(utilization(job({ cpuCores: 1, memoryGb: 30 }), CLOUD_GPU_3), 30 / 32);
});

test('utilization is capped at 1 and skips dimensions the node has none of', () => {
  const n = node({ nodeId: 'n', cpuCores: 2, memoryGb: 4, gpuCount: 0 });
  assert.equal(utilization(job({ cpuCores: 4, memoryGb: 1 }), n), 1);
  assert.equal(utilization(job({ cpuCores: 1, memoryGb: 1, gpuCount: 2 }), n), 0.5);
});

test('priceJob charges C_comp as price x hours x utilization', () => {
  const n = node({ nodeId: 'n', cpuCores: 4, memoryGb: 16, pricePerHourUsd: 1.2 });
  const cost = priceJob(job({ cpuCores: 1, memoryGb: 8, durationS: 5400 }), n, grid);
  assertUsd(cost.computeCostUsd, 1.2 * 1.5 * 0.5, 'C_comp');
});

test('priceJob counts the wait for a node towards latency and never towards cost', () => {
  const now = priceJob(job(), VPS_2, grid);
  const later = priceJob(job(), VPS_2, grid, 30_000);
  assert.equal(later.estimatedLatencyMs, now.estimatedLatencyMs + 30_000);
  assert.equal(later.totalCostUsd, now.totalCostUsd);
});

test('transferTimeMs moves 50 GB over 1 Gbps in 400 seconds', () => {
  assert.equal(transferTimeMs(DEMO.etlEu, ONPREM_1, grid), 400_000);
  assert.equal(transferTimeMs(DEMO.etlEu, CLOUD_GPU_3, grid), 200_000);
  assert.equal(transferTimeMs(DEMO.etlEu, VPS_2, grid), 40_000);
});

test('transferTimeMs and C_data are zero without data or without a data location', () => {
  for (const j of [job({ dataLocation: 'office' }), job({ inputDataGb: 10 })]) {
    assert.equal(transferTimeMs(j, CLOUD_GPU_3, grid), 0);
    assert.equal(priceJob(j, CLOUD_GPU_3, grid).dataTransferUsd, 0);
  }
});

// Properties over seeded random inputs.

const CASES = 500;
const LOCATIONS = ['office', 'eu-1', 'us-east', 'ap-south'];

function randomJob(r: Random): CostedJob {
  return {
    cpuCores: r.chance(0.1) ? 0 : r.real(0.1, 64),
    memoryGb: r.chance(0.1) ? 0 : r.real(0.1, 256),
    gpuCount: r.chance(0.7) ? 0 : r.int(1, 8),
    durationS: r.real(0, 48 * 3600),
    inputDataGb: r.chance(0.4) ? 0 : r.real(0, 500),
    dataLocation: r.chance(0.2) ? '' : r.pick(LOCATIONS),
  };
}

function randomNode(r: Random): CostedNode {
  return {
    cpuCores: r.chance(0.05) ? 0 : r.int(1, 64),
    memoryGb: r.chance(0.05) ? 0 : r.int(1, 512),
    gpuCount: r.chance(0.6) ? 0 : r.int(1, 8),
    pricePerHourUsd: r.real(0, 10),
    opportunityCostPerHourUsd: r.chance(0.5) ? 0 : r.real(0, 2),
    location: r.pick(LOCATIONS),
    startupMs: r.real(0, 5000),
    rttMs: r.real(0, 300),
  };
}

test('priceJob never charges less for a longer run', () => {
  const r = seeded(41);
  for (let i = 0; i < CASES; i++) {
    const j = randomJob(r);
    const n = randomNode(r);
    const longer = { ...j, durationS: j.durationS + r.real(0, 24 * 3600) };
    const a = priceJob(j, n, grid);
    const b = priceJob(longer, n, grid);
    assert.ok(b.totalCostUsd >= a.totalCostUsd, `case ${i}`);
    assert.equal(b.dataTransferUsd, a.dataTransferUsd, `case ${i}: C_data ignores duration`);
  }
});

test('priceJob returns non-negative terms that sum to C_total', () => {
  const r = seeded(42);
  for (let i = 0; i < CASES; i++) {
    const c = priceJob(randomJob(r), randomNode(r), grid, r.real(0, 10_000));
    for (const value of [c.computeCostUsd, c.dataTransferUsd, c.idleOpportunityUsd]) {
      assert.ok(value >= 0, `case ${i}`);
    }
    assert.ok(c.estimatedLatencyMs >= 0, `case ${i}`);
    const sum = c.computeCostUsd + c.dataTransferUsd + c.idleOpportunityUsd;
    assert.equal(c.totalCostUsd, sum, `case ${i}`);
  }
});

test('utilization stays within [0, 1]', () => {
  const r = seeded(43);
  for (let i = 0; i < CASES; i++) {
    const share = utilization(randomJob(r), randomNode(r));
    assert.ok(share >= 0 && share <= 1, `case ${i}: ${share}`);
  }
});

test('priceJob never charges more on a cheaper node of the same shape', () => {
  const r = seeded(44);
  for (let i = 0; i < CASES; i++) {
    const j = randomJob(r);
    const dear = randomNode(r);
    const cheap = {
      ...dear,
      pricePerHourUsd: dear.pricePerHourUsd * r.real(0, 1),
      opportunityCostPerHourUsd: dear.opportunityCostPerHourUsd * r.real(0, 1),
    };
    assert.ok(
      priceJob(j, cheap, grid).totalCostUsd <= priceJob(j, dear, grid).totalCostUsd,
      `case ${i}`,
    );
  }
});
