/**
 * The placement engine against the flat scan it replaces: over randomized clusters and
 * jobs (seeded, so a failure replays from its seed) both must pick the same node and write
 * the same summary, count the same nodes per reason and list the same first verdicts, also
 * after nodes fill, empty, go down, come back and re-register with another shape.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransferPrices } from '../../src/cost/transfer.js';
import { PlacementEngine } from '../../src/placement/engine.js';
import { place } from '../../src/placement/pipeline.js';
import type { PlacementJob, PlacementNode, Reason, Verdict } from '../../src/placement/types.js';
import { LOCAL_GRID_TRANSFER, job, node } from '../helpers/local-grid.js';
import { seeded, type Random } from '../helpers/random.js';

const transfer = new TransferPrices(LOCAL_GRID_TRANSFER);
const LOCATIONS = ['eu-1', 'us-east', 'office'];

/** A node shape; several nodes share one so that classes have many members. */
function template(rng: Random): Omit<PlacementNode, 'nodeId' | 'free' | 'ready'> {
  const gpuCount = rng.pick([0, 0, 1, 4]);
  return {
    cpuCores: rng.pick([2, 4, 8, 16]),
    memoryGb: rng.pick([4, 8, 32, 64]),
    gpuCount,
    gpuModel: gpuCount > 0 ? rng.pick(['T4', 'A10']) : '',
    diskGb: rng.pick([100, 1000, Number.MAX_SAFE_INTEGER]),
    // Few prices, so that classes which differ only in labels tie on cost and latency.
    pricePerHourUsd: rng.pick([0, 0.02, 0.2, 0.75]),
    opportunityCostPerHourUsd: rng.pick([0, 0, 0.01]),
    location: rng.pick(LOCATIONS),
    startupMs: rng.pick([20, 50]),
    rttMs: rng.pick([1, 50]),
    labels: rng.pick<Record<string, string>>([
      {},
      { zone: 'a' },
      { zone: 'b' },
      { zone: 'a', kind: 'spot' },
    ]),
    executors: rng.pick([['process'], ['process', 'docker'], ['docker']]),
  };
}

/** Some of the capacity free: all, none, or a random part, dimension by dimension. */
function someFree(rng: Random, n: PlacementNode): PlacementNode['free'] {
  const part = (total: number, whole: boolean): number =>
    rng.chance(0.3) ? total : rng.chance(0.2) ? 0 : whole ? rng.int(0, total) : rng.real(0, total);
  return {
    cpuCores: part(n.cpuCores, false),
    memoryGb: part(n.memoryGb, false),
    gpuCount: part(n.gpuCount, true),
    diskGb: part(n.diskGb, true),
  };
}

function cluster(rng: Random): PlacementNode[] {
  const templates = Array.from({ length: rng.int(1, 6) }, () => template(rng));
  const nodes: PlacementNode[] = [];
  const count = rng.int(1, 60);
  for (let i = 0; i < count; i++) {
    const shape = rng.chance(0.15) ? template(rng) : rng.pick(templates);
    // Ids out of arrival order, so that judging order and id order differ.
    const n = node({ nodeId: `n${rng.int(0, 999)}-${i}`, ...shape, ready: rng.chance(0.85) });
    n.free = someFree(rng, n);
    nodes.push(n);
  }
  return nodes;
}

function randomJob(rng: Random, i: number): PlacementJob {
  const gpuCount = rng.pick([0, 0, 0, 1, 2]);
  const inputDataGb = rng.pick([0, 0, 5, 50]);
  return job({
    jobId: `job-${i}`,
    cpuCores: rng.pick([0.5, 1, 2, 4, 8, rng.real(0.1, 16)]),
    memoryGb: rng.pick([1, 2, 4, 8, 16, 64, rng.real(0.1, 64)]),
    gpuCount,
    gpuModel: gpuCount > 0 ? rng.pick(['', 'T4', 'A10']) : '',
    diskGb: rng.pick([0, 0, 10, 500]),
    durationS: rng.pick([60, 600, 3600, 36_000]),
    inputDataGb,
    dataLocation: inputDataGb > 0 ? rng.pick(LOCATIONS) : '',
    executor: rng.pick(['process', 'docker']),
    constraints: rng.pick<Record<string, string>>([{}, {}, { zone: 'a' }, { kind: 'spot' }]),
    maxBudgetUsd: rng.pick([0.001, 0.01, 0.1, 1, 10]),
    maxLatencyMs: rng.pick([30, 100, 1000, 60_000]),
  });
}

function countsOf(verdicts: readonly Verdict[]): Map<Reason, number> {
  const counts = new Map<Reason, number>();
  for (const v of verdicts) counts.set(v.reason, (counts.get(v.reason) ?? 0) + 1);
  return counts;
}

function assertSameDecision(
  engine: PlacementEngine,
  nodes: readonly PlacementNode[],
  j: PlacementJob,
  keep: number,
  where: string,
): void {
  const flat = place(j, nodes, transfer);
  const fast = engine.place(j);
  const msg = `${where}, job ${JSON.stringify(j)}`;
  assert.equal(fast.chosen?.nodeId, flat.chosen?.nodeId, `chosen node: ${msg}`);
  assert.deepEqual(fast.chosen, flat.chosen, `chosen verdict: ${msg}`);
  assert.equal(fast.summary, flat.summary, `summary: ${msg}`);
  assert.deepEqual(fast.counts, countsOf(flat.verdicts), `counts by reason: ${msg}`);
  assert.equal(fast.nodesTotal, flat.nodesTotal, msg);
  assert.equal(fast.nodesFeasible, flat.nodesFeasible, msg);
  assert.equal(fast.neverFits, flat.neverFits, `neverFits: ${msg}`);
  assert.deepEqual(fast.verdicts, flat.verdicts.slice(0, keep), `first verdicts: ${msg}`);
}

/** Takes a job's demand from a node that has it free, or gives back part of what is used. */
function churn(rng: Random, n: PlacementNode): void {
  const f = n.free;
  if (rng.chance(0.5)) {
    const d = randomJob(rng, 0);
    if (d.cpuCores <= f.cpuCores && d.memoryGb <= f.memoryGb && d.gpuCount <= f.gpuCount) {
      n.free = {
        cpuCores: f.cpuCores - d.cpuCores,
        memoryGb: f.memoryGb - d.memoryGb,
        gpuCount: f.gpuCount - d.gpuCount,
        diskGb: Math.max(0, f.diskGb - d.diskGb),
      };
    }
  } else {
    n.free = rng.chance(0.3)
      ? { cpuCores: n.cpuCores, memoryGb: n.memoryGb, gpuCount: n.gpuCount, diskGb: n.diskGb }
      : someFree(rng, n);
  }
}

test('engine picks the node the flat scan picks and writes the same summary', () => {
  for (let seed = 1; seed <= 150; seed++) {
    const rng = seeded(seed);
    const nodes = cluster(rng);
    const keep = rng.pick([2, 5, 20]);
    const engine = new PlacementEngine(transfer, { verdictsKept: keep });
    for (const n of nodes) engine.upsert(n);
    for (let i = 0; i < 40; i++) {
      assertSameDecision(engine, nodes, randomJob(rng, i), keep, `seed ${seed}`);
    }
  }
});

test('engine agrees with the flat scan after allocate, release, down, up and re-registration', () => {
  for (let seed = 1000; seed < 1080; seed++) {
    const rng = seeded(seed);
    const nodes = cluster(rng);
    const keep = rng.pick([2, 20]);
    const engine = new PlacementEngine(transfer, { verdictsKept: keep });
    for (const n of nodes) engine.upsert(n);
    // A fixed set of jobs as well as fresh ones, so kept counters are moved, not rebuilt.
    const regulars = Array.from({ length: 6 }, (_, i) => randomJob(rng, i));

    for (let step = 0; step < 120; step++) {
      const n = rng.pick(nodes);
      const what = rng.int(0, 9);
      if (what < 6) churn(rng, n);
      else if (what < 8) n.ready = !n.ready;
      else if (what < 9) {
        Object.assign(n, template(rng));
        n.free = someFree(rng, n);
      } else {
        const added = node({ nodeId: `late-${step}`, ...template(rng), ready: rng.chance(0.8) });
        added.free = someFree(rng, added);
        nodes.push(added);
        engine.upsert(added);
        continue;
      }
      if (what === 8) engine.upsert(n);
      else engine.update(n);

      const where = `seed ${seed} step ${step}`;
      assertSameDecision(engine, nodes, rng.pick(regulars), keep, where);
      assertSameDecision(engine, nodes, randomJob(rng, step), keep, where);
    }
  }
});

test('engine with no nodes leaves the job waiting for workers to join', () => {
  const engine = new PlacementEngine(transfer);
  const decision = engine.place(job());
  assert.equal(decision.chosen, undefined);
  assert.equal(decision.summary, '0/0 nodes available');
  assert.equal(decision.neverFits, false);
});

test('engine breaks ties between classes of equal offer by node id', () => {
  const engine = new PlacementEngine(transfer);
  const a = node({ nodeId: 'b-node', labels: { zone: 'a' } });
  const b = node({ nodeId: 'a-node', labels: { zone: 'b' } });
  engine.upsert(a);
  engine.upsert(b);
  const decision = engine.place(job());
  assert.equal(decision.chosen?.nodeId, 'a-node');
  assert.deepEqual(
    decision.verdicts.map((v) => v.nodeId),
    ['a-node', 'b-node'],
  );
});

test('engine skips a demand no ready node has free, by the largest free amounts', () => {
  const engine = new PlacementEngine(transfer);
  const small = node({ nodeId: 's', cpuCores: 2, memoryGb: 4 });
  const big = node({ nodeId: 'b', cpuCores: 16, memoryGb: 64, ready: false });
  engine.upsert(small);
  engine.upsert(big);
  const demand = { cpuCores: 8, memoryGb: 8, gpuCount: 0, diskGb: 0 };
  assert.equal(engine.mightFit(demand), false);
  big.ready = true;
  engine.update(big);
  assert.equal(engine.mightFit(demand), true);
  big.free = { ...big.free, cpuCores: 4 };
  engine.update(big);
  assert.equal(engine.mightFit(demand), false);
  assert.equal(engine.hasRoom(), true);
});
