/**
 * Batch placement: the LP over node classes, rounded and packed by best fit, against the
 * LP bound and against arrival-order greedy; its fallbacks; and that it keeps every rule
 * of the one-at-a-time pipeline.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { TransferPrices } from '../../src/cost/transfer.js';
import { loadBatchSolver, placeBatch } from '../../src/placement/batch.js';
import { place } from '../../src/placement/pipeline.js';
import type { PlacementJob, PlacementNode } from '../../src/placement/types.js';
import { staticLpBound } from '../../src/sim/lp-bound.js';
import { Draw } from '../../src/sim/random.js';
import { job, node } from '../sim/build.js';

const transfer = new TransferPrices();
const LIMITS = { timeLimitMs: 10_000, minJobs: 2 };

before(async () => {
  await loadBatchSolver();
});

/** Arrival-order greedy, the one-at-a-time path: cost and count of what it places. */
function greedy(jobs: readonly PlacementJob[], nodes: readonly PlacementNode[]) {
  const copies = nodes.map((n) => ({ ...n, free: { ...n.free } }));
  let costUsd = 0;
  let placed = 0;
  for (const j of jobs) {
    const chosen = place(j, copies, transfer).chosen;
    if (!chosen) continue;
    const n = copies.find((c) => c.nodeId === chosen.nodeId)!;
    for (const r of ['cpuCores', 'memoryGb', 'gpuCount', 'diskGb'] as const) n.free[r] -= j[r];
    costUsd += chosen.cost!.totalCostUsd;
    placed++;
  }
  return { costUsd, placed };
}

/** A contended GPU cluster: cheap 8-GPU nodes, dearer 2-GPU and 1-GPU ones. */
function gpuCluster(): PlacementNode[] {
  const nodes: PlacementNode[] = [];
  const shapes = [
    { id: 'cheap', count: 6, cpu: 96, mem: 384, gpus: 8, price: 16 },
    { id: 'mid', count: 8, cpu: 32, mem: 128, gpus: 2, price: 6 },
    { id: 'dear', count: 10, cpu: 16, mem: 64, gpus: 1, price: 4.5 },
  ];
  for (const s of shapes) {
    for (let i = 0; i < s.count; i++) {
      nodes.push(
        node({
          nodeId: `${s.id}-${i}`,
          cpuCores: s.cpu,
          memoryGb: s.mem,
          gpuCount: s.gpus,
          gpuModel: 'X',
          pricePerHourUsd: s.price,
        }),
      );
    }
  }
  return nodes;
}

/** Jobs with the trace's mix: shares of a GPU, whole GPUs, long and short runs. */
function gpuBacklog(seed: number, count: number): PlacementJob[] {
  const draw = new Draw(seed);
  return Array.from({ length: count }, (_, i) =>
    job({
      jobId: `j${i}`,
      cpuCores: draw.pick([2, 4, 8, 12]),
      memoryGb: draw.pick([8, 16, 32]),
      gpuCount: draw.pick([0.25, 0.5, 1, 1, 2]),
      durationS: Math.round(draw.logNormal(1800, 1.5)) + 1,
    }),
  );
}

test('batch placement lands within 1% of the LP bound on a seeded 70-job GPU backlog', async () => {
  const nodes = gpuCluster();
  const jobs = gpuBacklog(4, 70);
  const bound = await staticLpBound(jobs, nodes, transfer);
  const result = placeBatch(jobs, nodes, transfer, LIMITS);

  assert.equal(bound.status, 'optimal');
  assert.equal(result.stats.solverStatus, 'optimal');
  assert.equal(result.stats.jobsPlaced, jobs.length);
  assert.ok(
    result.stats.roundedCostUsd <= bound.objectiveUsd * 1.01,
    `batch ${result.stats.roundedCostUsd} vs bound ${bound.objectiveUsd}`,
  );
  assert.ok(result.stats.roundedCostUsd >= bound.objectiveUsd - 1e-6);
});

test('batch placement costs less than arrival-order greedy when cheap capacity is short', () => {
  const nodes = gpuCluster();
  const jobs = gpuBacklog(3, 70);
  const batch = placeBatch(jobs, nodes, transfer, LIMITS);
  const oneByOne = greedy(jobs, nodes);
  assert.ok(batch.stats.jobsPlaced >= oneByOne.placed);
  assert.ok(
    batch.stats.roundedCostUsd < oneByOne.costUsd,
    `batch ${batch.stats.roundedCostUsd} vs greedy ${oneByOne.costUsd}`,
  );
});

test('batch placement gives the cheap node to the long job that came second', () => {
  const nodes = [
    node({ nodeId: 'cheap', cpuCores: 4, pricePerHourUsd: 1 }),
    node({ nodeId: 'dear', cpuCores: 4, pricePerHourUsd: 3 }),
  ];
  const short = job({ jobId: 'short', cpuCores: 4, durationS: 600 });
  const long = job({ jobId: 'long', cpuCores: 4, durationS: 36_000 });

  const result = placeBatch([short, long], nodes, transfer, LIMITS);
  assert.equal(result.assignment.get('long'), 'cheap');
  assert.equal(result.assignment.get('short'), 'dear');
  assert.equal(result.stats.plan, 'lp-rounded');
  // Greedy in arrival order does the opposite: 0.5 + 30 = 30.5 USD against 10 + 0.5.
  assert.equal(place(short, nodes, transfer).chosen?.nodeId, 'cheap');
  assert.ok(Math.abs(result.stats.roundedCostUsd - 10.5) < 1e-9);
});

test('batch placement keeps every pipeline rule: budget, GPU model, capacity', () => {
  const nodes = [
    node({ nodeId: 't4', cpuCores: 8, gpuCount: 1, gpuModel: 'T4', pricePerHourUsd: 1 }),
    node({ nodeId: 'v100', cpuCores: 8, gpuCount: 2, gpuModel: 'V100', pricePerHourUsd: 4 }),
    node({ nodeId: 'cpu', cpuCores: 4, pricePerHourUsd: 0.2 }),
  ];
  const jobs = [
    job({ jobId: 'needs-v100', gpuCount: 1, gpuModel: 'V100', cpuCores: 2 }),
    job({ jobId: 'any-gpu', gpuCount: 1, cpuCores: 2 }),
    job({ jobId: 'poor', cpuCores: 4, maxBudgetUsd: 0.01 }),
    job({ jobId: 'cpu-a', cpuCores: 3 }),
    job({ jobId: 'cpu-b', cpuCores: 3 }),
    job({ jobId: 'huge', cpuCores: 64 }),
  ];
  const result = placeBatch(jobs, nodes, transfer, LIMITS);

  assert.equal(result.assignment.get('needs-v100'), 'v100');
  assert.equal(result.assignment.has('poor'), false);
  assert.equal(result.assignment.has('huge'), false);
  for (const p of result.placements) assert.equal(p.verdict.reason, 'FEASIBLE');
  const used = new Map<string, number>();
  for (const p of result.placements) {
    const j = jobs.find((x) => x.jobId === p.jobId)!;
    used.set(p.nodeId, (used.get(p.nodeId) ?? 0) + j.cpuCores);
  }
  for (const n of nodes) assert.ok((used.get(n.nodeId) ?? 0) <= n.cpuCores);
});

test('batch placement leaves the nodes it was given unchanged', () => {
  const nodes = gpuCluster();
  const before = JSON.stringify(nodes);
  placeBatch(gpuBacklog(5, 40), nodes, transfer, LIMITS);
  assert.equal(JSON.stringify(nodes), before);
});

test('batch placement skips the LP below minJobs and places greedily', () => {
  const nodes = [node({ nodeId: 'a' }), node({ nodeId: 'b', pricePerHourUsd: 2 })];
  const result = placeBatch([job({ jobId: 'only' })], nodes, transfer, LIMITS);
  assert.equal(result.stats.solverStatus, 'skipped');
  assert.equal(result.stats.fellBackToGreedy, false);
  assert.equal(result.assignment.get('only'), 'a');
});

test('batch placement falls back to greedy when the solver runs out of time', () => {
  const nodes = gpuCluster();
  const jobs = gpuBacklog(9, 600);
  const result = placeBatch(jobs, nodes, transfer, { timeLimitMs: 0, minJobs: 2 });
  assert.equal(result.stats.solverStatus, 'time-limit');
  assert.equal(result.stats.fellBackToGreedy, true);
  assert.equal(result.stats.plan, 'greedy');
  assert.equal(result.stats.jobsPlaced, greedy(jobs, nodes).placed);
});

test('batch placement places no more than fits when the backlog exceeds the cluster', () => {
  const nodes = [node({ nodeId: 'a', cpuCores: 4 }), node({ nodeId: 'b', cpuCores: 4 })];
  const jobs = Array.from({ length: 5 }, (_, i) => job({ jobId: `j${i}`, cpuCores: 3 }));
  const result = placeBatch(jobs, nodes, transfer, LIMITS);
  assert.equal(result.stats.jobsPlaced, 2);
  assert.equal(result.stats.jobsUnplaced, 3);
  assert.equal(new Set(result.assignment.values()).size, 2);
});

test("batch placement reads nodes whose fields are getters, like the scheduler's NodeEntry", () => {
  class Live {
    readonly free = { cpuCores: 4, memoryGb: 8, gpuCount: 0, diskGb: 0 };
    constructor(private readonly base: PlacementNode) {}
    get nodeId() {
      return this.base.nodeId;
    }
    get ready() {
      return true;
    }
    get cpuCores() {
      return this.base.cpuCores;
    }
    get memoryGb() {
      return this.base.memoryGb;
    }
    get gpuCount() {
      return 0;
    }
    get gpuModel() {
      return '';
    }
    get diskGb() {
      return 0;
    }
    get pricePerHourUsd() {
      return this.base.pricePerHourUsd;
    }
    get opportunityCostPerHourUsd() {
      return 0;
    }
    get location() {
      return 'here';
    }
    get labels() {
      return {};
    }
    get executors() {
      return ['docker'];
    }
    get startupMs() {
      return 10;
    }
    get rttMs() {
      return 1;
    }
  }
  const nodes: PlacementNode[] = [
    new Live(node({ nodeId: 'a', cpuCores: 4, memoryGb: 8, pricePerHourUsd: 1 })),
    new Live(node({ nodeId: 'b', cpuCores: 4, memoryGb: 8, pricePerHourUsd: 2 })),
  ];
  const jobs = [job({ jobId: 'x', cpuCores: 4 }), job({ jobId: 'y', cpuCores: 4 })];
  const result = placeBatch(jobs, nodes, transfer, LIMITS);
  assert.equal(result.stats.nodeClasses, 2);
  assert.deepEqual([...result.assignment.values()].sort(), ['a', 'b']);
  assert.equal(nodes[0]!.free.cpuCores, 4);
});
