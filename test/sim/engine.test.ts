/**
 * The simulator's engine: the scheduler's rules in virtual time (fast path, queue, passes,
 * refusals), the policies' selections, and the tiny Alibaba trace end to end.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { priceJob } from '../../src/cost/formula.js';
import { TransferPrices } from '../../src/cost/transfer.js';
import { loadAlibabaNodes } from '../../src/sim/cluster.js';
import { simulate, type SimulationInput } from '../../src/sim/engine.js';
import { POLICIES, type PolicyName } from '../../src/sim/policies.js';
import { loadPriceSheet } from '../../src/sim/price-sheet.js';
import { loadAlibabaJobs } from '../../src/sim/workload-alibaba.js';
import { FIXTURES, SAMPLE_SHEET, node, simJob } from './build.js';

const transfer = new TransferPrices();
const sheet = loadPriceSheet(SAMPLE_SHEET);
const tinyNodes = loadAlibabaNodes(resolve(FIXTURES, 'alibaba/nodes.csv'), sheet);
const tinyJobs = loadAlibabaJobs(resolve(FIXTURES, 'alibaba/pods.csv')).jobs;

function run(partial: Partial<SimulationInput> & Pick<SimulationInput, 'nodes' | 'jobs'>) {
  return simulate({ transfer, policy: 'tgp', backlog: false, ...partial });
}

test('simulator replays the tiny Alibaba trace: one run per job, priced by 4.1', async () => {
  for (const policy of POLICIES) {
    const result = await run({ nodes: tinyNodes, jobs: tinyJobs, policy });
    assert.equal(result.outcomes.length, tinyJobs.length);
    for (const [i, out] of result.outcomes.entries()) {
      assert.equal(out.fate, 'ran', `${policy} ${out.jobId}`);
      const n = tinyNodes.find((x) => x.nodeId === out.nodeId)!;
      const expected = priceJob(tinyJobs[i]!.job, n, transfer).totalCostUsd;
      assert.ok(Math.abs(out.cost!.totalCostUsd - expected) < 1e-9);
    }
    for (const p of result.timeline) {
      assert.ok(p.cpuShare <= 1 + 1e-9 && p.gpuShare <= 1 + 1e-9 && p.memoryShare <= 1 + 1e-9);
    }
    assert.ok(Math.abs(result.timeline.at(-1)!.gpuShare) < 1e-9, 'all capacity returned');
  }
});

test('simulator gives tgp the lowest cost of all policies on the tiny Alibaba replay', async () => {
  const cost = async (policy: PolicyName) => {
    const r = await run({ nodes: tinyNodes, jobs: tinyJobs, policy });
    return r.outcomes.reduce((s, o) => s + (o.cost?.totalCostUsd ?? 0), 0);
  };
  const tgp = await cost('tgp');
  for (const policy of POLICIES) assert.ok(tgp <= (await cost(policy)) + 1e-9, policy);
});

test('simulator queues a job when no node has room and starts it when the node frees', async () => {
  const nodes = [node({ nodeId: 'only', cpuCores: 4 })];
  const jobs = [
    simJob(0, { jobId: 'first', cpuCores: 4, durationS: 100 }),
    simJob(10, { jobId: 'second', cpuCores: 4, durationS: 50, maxLatencyMs: 60_000 }),
  ];
  const result = await run({ nodes, jobs, policy: 'tgp-greedy' });
  const second = result.outcomes[1]!;
  assert.equal(second.startS, 100);
  assert.equal(second.latencyMs, 90_000 + 1000 + 1);
  assert.equal(second.sloMissed, true);
  assert.equal(result.outcomes[0]!.sloMissed, false);
  assert.equal(result.horizonS, 150);
});

test('simulator refuses a job over every budget and one too large for any node', async () => {
  const nodes = [node({ nodeId: 'n', cpuCores: 4, pricePerHourUsd: 10 })];
  const jobs = [
    simJob(0, { jobId: 'poor', cpuCores: 1, maxBudgetUsd: 0.01 }),
    simJob(0, { jobId: 'huge', cpuCores: 64 }),
    simJob(0, { jobId: 'fine', cpuCores: 1 }),
  ];
  for (const backlog of [false, true]) {
    const result = await run({ nodes, jobs, backlog });
    assert.deepEqual(
      result.outcomes.map((o) => o.fate),
      ['over-budget', 'unschedulable', 'ran'],
    );
  }
});

test('simulator policies differ only in which feasible node they select', async () => {
  const nodes = [
    node({ nodeId: 'a', cpuCores: 8, pricePerHourUsd: 2 }),
    node({ nodeId: 'b', cpuCores: 8, pricePerHourUsd: 1 }),
    node({ nodeId: 'c', cpuCores: 2, pricePerHourUsd: 0.1, executors: ['process'] }),
  ];
  const jobs = [0, 1, 2].map((i) => simJob(i, { jobId: `j${i}`, cpuCores: 2, durationS: 1000 }));
  const where = async (policy: PolicyName) =>
    (await run({ nodes, jobs, policy })).outcomes.map((o) => o.nodeId).join(',');

  // Node c has no docker executor, so no policy may use it.
  assert.equal(await where('tgp'), 'b,b,b');
  assert.equal(await where('first-fit'), 'a,a,a');
  assert.equal(await where('bin-pack'), 'a,a,a');
  assert.equal(await where('spread'), 'a,b,a');
  assert.equal(await where('round-robin'), 'a,b,a');
});

test('simulator places a static backlog in one batch pass and reports the batch', async () => {
  const result = await run({ nodes: tinyNodes, jobs: tinyJobs, backlog: true });
  assert.ok(result.batches.length >= 1);
  const first = result.batches[0]!;
  assert.equal(first.solverStatus, 'optimal');
  assert.ok(first.roundedCostUsd >= first.lpObjectiveUsd - 1e-9 || first.jobsUnplaced > 0);
  assert.ok(result.outcomes.every((o) => o.arrivalS === 0 && o.fate === 'ran'));
});
