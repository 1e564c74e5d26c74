/**
 * The grid end to end: a real scheduler process and real worker processes over gRPC on
 * loopback. Placement follows Formula 4.1, output and exit codes come back, a full
 * cluster queues and drains in priority order, and cancel works in every state.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { JobState } from '../../src/api/gen/tgp/v1/tgp.js';
import { priceJob } from '../../src/cost/formula.js';
import { TransferPrices } from '../../src/cost/transfer.js';
import { TestGrid } from '../helpers/grid.js';

const NODES = [
  { nodeId: 'cheap', cpuCores: 2, memoryGb: 2, pricePerHourUsd: 0.1, location: 'eu-1' },
  { nodeId: 'dear', cpuCores: 4, memoryGb: 8, pricePerHourUsd: 0.8, location: 'us-east' },
  {
    nodeId: 'owned',
    cpuCores: 1,
    memoryGb: 1,
    pricePerHourUsd: 0.01,
    opportunityCostPerHourUsd: 0.01,
    location: 'office',
  },
];

const TRANSFER = {
  default: { pricePerGbUsd: 0.09, bandwidthGbps: 1 },
  sameLocation: { pricePerGbUsd: 0, bandwidthGbps: 10 },
  links: {},
};

describe('grid', () => {
  const grid = new TestGrid({ transfer: TRANSFER });

  before(async () => {
    await grid.startScheduler();
    await Promise.all(NODES.map((n) => grid.startWorker(n, false)));
    await grid.waitForReady(NODES.map((n) => n.nodeId));
  });
  after(() => grid.stopAll());

  test('scheduler places each job on the node Formula 4.1 prices cheapest among those that fit', async () => {
    const transfer = new TransferPrices(TRANSFER);
    const cases = [
      // Fits everywhere: the owned node is cheapest.
      { jobId: 'fits-all', cpuCores: 1, memoryGb: 1, expectedDurationS: 3600 },
      // Too big for the owned node: the cheap VPS.
      { jobId: 'needs-two', cpuCores: 2, memoryGb: 2, expectedDurationS: 3600 },
      // 40 GB of data in us-east: moving it costs $3.60, so the dear node wins.
      {
        jobId: 'data-in-us',
        cpuCores: 1,
        memoryGb: 1,
        expectedDurationS: 3600,
        inputDataGb: 40,
        dataLocation: 'us-east',
      },
    ];
    const expected = { 'fits-all': 'owned', 'needs-two': 'cheap', 'data-in-us': 'dear' };

    for (const c of cases) {
      const job = await grid.submit({ ...c, command: ['true'], maxLatencyMs: 3_600_000 });
      assert.equal(job.nodeId, expected[c.jobId as keyof typeof expected], job.reason);

      // The estimate stored with the job is Formula 4.1 on the chosen node, and every other
      // feasible node would have cost at least as much.
      const done = await grid.waitForState(c.jobId);
      const feasible = done.placement?.verdicts.filter((v) => v.feasible) ?? [];
      const chosen = feasible.find((v) => v.nodeId === done.nodeId);
      assert.ok(chosen?.cost);
      for (const v of feasible) assert.ok(v.cost!.totalCostUsd >= chosen.cost.totalCostUsd);

      const node = NODES.find((n) => n.nodeId === done.nodeId)!;
      const cost = priceJob(
        {
          cpuCores: c.cpuCores,
          memoryGb: c.memoryGb,
          gpuCount: 0,
          durationS: c.expectedDurationS,
          inputDataGb: c.inputDataGb ?? 0,
          dataLocation: c.dataLocation ?? '',
        },
        {
          gpuCount: 0,
          opportunityCostPerHourUsd: 0,
          startupMs: 10,
          rttMs: 1,
          ...node,
        },
        transfer,
      );
      assert.ok(Math.abs(done.estimated!.totalCostUsd - cost.totalCostUsd) < 1e-9);
    }
  });

  test('scheduler returns a job output and its exit code', async () => {
    await grid.submit({ jobId: 'echo', command: ['sh', '-c', 'echo out; echo err >&2'] });
    const ok = await grid.waitForState('echo');
    assert.equal(ok.state, JobState.SUCCEEDED);
    assert.equal(ok.exitCode, 0);
    assert.equal(await grid.output('echo'), 'out\n');
    assert.equal(await grid.output('echo', 'stderr'), 'err\n');

    await grid.submit({ jobId: 'exit-3', command: ['sh', '-c', 'exit 3'] });
    const failed = await grid.waitForState('exit-3');
    assert.equal(failed.state, JobState.FAILED);
    assert.equal(failed.exitCode, 3);
    assert.equal(failed.endReason, 'EXITED');
    assert.ok(failed.actual, 'actual cost is kept');
    assert.ok(failed.actualRuntimeS >= 0);
  });

  test('scheduler runs a job given no command with the documented default', async () => {
    await grid.submit({ jobId: 'default-cmd' });
    await grid.waitForState('default-cmd');
    assert.match(await grid.output('default-cmd'), /hello from TGP job default-cmd on node /);
  });

  test('scheduler queues jobs on a full cluster and drains them in priority order', async () => {
    // Fill every core with jobs that hold until their gate file appears.
    const hold = (gate: string): string[] => [
      'sh',
      '-c',
      `while [ ! -e ${grid.dir}/${gate} ]; do sleep 0.05; done`,
    ];
    await grid.submit({ jobId: 'fill-owned', command: hold('gate-owned') });
    for (const id of ['fill-1', 'fill-2', 'fill-3', 'fill-4', 'fill-5', 'fill-6']) {
      await grid.submit({ jobId: id, command: hold('gate-rest') });
    }
    const status = await grid.client.clusterStatus();
    assert.ok(
      status.nodes.every((n) => (n.free?.cpuCores ?? 0) < 1),
      'cluster is full',
    );

    // Queued with equal shapes and different priorities, the lowest first.
    const priority = { 'p0-a': 0, p5: 5, 'p0-b': 0, p9: 9 };
    const stamp = `${grid.dir}/order`;
    for (const [id, p] of Object.entries(priority)) {
      const job = await grid.submit({
        jobId: id,
        priority: p,
        command: ['sh', '-c', `echo ${id} >> ${stamp}`],
      });
      assert.equal(job.state, JobState.PENDING);
      assert.match(job.reason, /^0\/3 nodes available: 3 insufficient cpu/);
    }
    const pending = await grid.client.listJobs({ states: [JobState.PENDING] });
    assert.equal(pending.jobs.length, 4);

    // One core frees: the waiting jobs go through it one at a time, in priority order and
    // then in arrival order.
    writeFileSync(`${grid.dir}/gate-owned`, '');
    for (const id of Object.keys(priority)) await grid.waitForState(id);
    assert.equal(readFileSync(stamp, 'utf8'), 'p9\np5\np0-a\np0-b\n');
    for (const id of Object.keys(priority)) {
      const job = await grid.client.getJob({ jobId: id, includeEvents: false });
      assert.equal(job.nodeId, 'owned');
    }

    writeFileSync(`${grid.dir}/gate-rest`, '');
    for (const id of ['fill-1', 'fill-2', 'fill-3', 'fill-4', 'fill-5', 'fill-6']) {
      assert.equal((await grid.waitForState(id)).state, JobState.SUCCEEDED);
    }
  });

  test('scheduler cancels a pending job, a running job, and refuses to cancel an ended one', async () => {
    const gate = `${grid.dir}/gate-cancel`;
    const hold = ['sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.05; done`];
    // Take every core, so the next job waits.
    const holders = ['h-owned', 'h-cheap-1', 'h-cheap-2', 'h-dear-1', 'h-dear-2', 'h-dear-3'];
    for (const id of [...holders, 'h-dear-4']) await grid.submit({ jobId: id, command: hold });

    const waiting = await grid.submit({ jobId: 'cancel-pending', command: ['true'] });
    assert.equal(waiting.state, JobState.PENDING);
    const cancelled = await grid.client.cancelJob({ jobId: 'cancel-pending' });
    assert.equal(cancelled.state, JobState.CANCELLED);

    await grid.waitForState('h-owned', [JobState.RUNNING]);
    const stopping = await grid.client.cancelJob({ jobId: 'h-owned' });
    assert.ok([JobState.RUNNING, JobState.SCHEDULED, JobState.CANCELLED].includes(stopping.state));
    const ended = await grid.waitForState('h-owned');
    assert.equal(ended.state, JobState.CANCELLED);
    assert.equal(ended.endReason, 'CANCELLED');

    writeFileSync(gate, '');
    for (const id of holders) await grid.waitForState(id);
    await assert.rejects(grid.client.cancelJob({ jobId: 'h-cheap-1' }), (err: Error) => {
      assert.match(err.message, /FAILED_PRECONDITION: job "h-cheap-1" already ended as SUCCEEDED/);
      return true;
    });
  });

  test('scheduler stops a job that passes its maximum runtime', async () => {
    await grid.submit({ jobId: 'too-long', command: ['sleep', '30'], maxRuntimeS: 0.5 });
    const job = await grid.waitForState('too-long');
    assert.equal(job.state, JobState.FAILED);
    assert.equal(job.endReason, 'TIMED_OUT');
  });

  test('scheduler treats a resubmission of the same spec as the same job', async () => {
    const spec = { jobId: 'twice', command: ['true'] };
    const first = await grid.client.submitJob({ spec: { ...baseSpec(), ...spec } });
    const second = await grid.client.submitJob({ spec: { ...baseSpec(), ...spec } });
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    await grid.waitForState('twice');
    const events = await grid.client.getJob({ jobId: 'twice', includeEvents: true });
    assert.equal(events.events.filter((e) => e.type === 'SUBMITTED').length, 1);
  });

  test('scheduler lists jobs filtered by state and by node', async () => {
    const succeeded = await grid.client.listJobs({ states: [JobState.SUCCEEDED] });
    assert.ok(succeeded.jobs.length > 0);
    assert.ok(succeeded.jobs.every((j) => j.state === JobState.SUCCEEDED));
    const onCheap = await grid.client.listJobs({ nodeId: 'cheap' });
    assert.ok(onCheap.jobs.every((j) => j.nodeId === 'cheap'));
  });

  test('scheduler streams a job events until it ends', async () => {
    await grid.submit({ jobId: 'watched', command: ['sh', '-c', 'sleep 0.2'] });
    const events = await grid.client.waitForEnd('watched');
    const types = events.map((e) => e.type);
    assert.deepEqual(types, ['SUBMITTED', 'SCHEDULED', 'STARTED', 'SUCCEEDED']);
    assert.ok(events.every((e) => e.jobId === 'watched'));
  });
});

function baseSpec() {
  return {
    jobId: '',
    image: '',
    command: [],
    env: {},
    workdir: '',
    cpuCores: 1,
    memoryGb: 1,
    gpuCount: 0,
    gpuModel: '',
    diskGb: 0,
    expectedDurationS: 60,
    inputDataGb: 0,
    dataLocation: '',
    priority: 0,
    maxRuntimeS: 0,
    maxBudgetUsd: 10,
    maxLatencyMs: 0,
    constraints: {},
  };
}
