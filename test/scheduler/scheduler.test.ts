/**
 * The scheduler's state machine in one process: a real Scheduler on an in-memory SQLite
 * store, with worker links that record what they are sent, so each transition (and each
 * refusal of a stale report) can be driven step by step.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { JobSpec, type SchedulerMessage } from '../../src/api/gen/tgp/v1/tgp.js';
import { TransferPrices } from '../../src/cost/transfer.js';
import { TgpError } from '../../src/errors.js';
import type { NodeRegistration } from '../../src/scheduler/node-registry.js';
import {
  BATCH_POLICY_DEFAULTS,
  Scheduler,
  type BatchPolicy,
} from '../../src/scheduler/scheduler.js';
import { DEFAULT_JOB } from '../../src/scheduler/validate.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { createLogger } from '../../src/util/log.js';

const open: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function scheduler(
  overrides: { nodeLostAfterMs?: number; maxAttempts?: number; batch?: BatchPolicy } = {},
) {
  const s = await Scheduler.open(new SqliteStore(':memory:'), {
    heartbeatIntervalMs: 100,
    nodeLostAfterMs: overrides.nodeLostAfterMs ?? 60_000,
    maxAttempts: overrides.maxAttempts ?? 3,
    logCapBytes: 64,
    verdictsKept: 20,
    jobDefaults: DEFAULT_JOB,
    transfer: new TransferPrices(),
    logger: createLogger('test', process.env.TGP_TEST_LOG ?? 'silent'),
    batch: overrides.batch ?? BATCH_POLICY_DEFAULTS,
  });
  open.push(s);
  return s;
}

function registration(nodeId: string, fields: Partial<NodeRegistration> = {}): NodeRegistration {
  return {
    nodeId,
    cpuCores: 2,
    memoryGb: 4,
    gpuCount: 0,
    gpuModel: '',
    diskGb: 100,
    pricePerHourUsd: 0.1,
    opportunityCostPerHourUsd: 0,
    location: 'eu-1',
    labels: {},
    executors: ['process'],
    startupMs: 10,
    rttMs: 1,
    agentVersion: 'test',
    registeredAtMs: 0,
    ...fields,
  };
}

/** Registers a node and attaches a link that keeps every message sent to it. */
async function join(s: Scheduler, nodeId: string, fields: Partial<NodeRegistration> = {}) {
  const sent: SchedulerMessage[] = [];
  await s.register(registration(nodeId, fields));
  s.attachLink(nodeId, { send: (m) => sent.push(m) });
  return sent;
}

function spec(jobId: string, fields: Partial<JobSpec> = {}): JobSpec {
  return JobSpec.fromPartial({ jobId, cpuCores: 1, memoryGb: 1, maxBudgetUsd: 5, ...fields });
}

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe('scheduler', () => {
  test('scheduler sends a placed job to its worker only once it is durable, with attempt 1', async () => {
    const s = await scheduler();
    const sent = await join(s, 'n1');
    const { job } = await s.submit(spec('a'));
    assert.equal(job.state, 'SCHEDULED');
    await tick();
    assert.equal(sent.length, 1);
    const msg = sent[0]?.kind;
    assert.equal(msg?.$case, 'assign');
    if (msg?.$case === 'assign') {
      assert.equal(msg.value.spec?.jobId, 'a');
      assert.equal(msg.value.attempt, 1);
    }
  });

  test('scheduler cancels a SCHEDULED job by telling its worker, and ends it on the report', async () => {
    const s = await scheduler();
    const sent = await join(s, 'n1');
    await s.submit(spec('a'));
    await tick();
    const asked = await s.cancel('a');
    assert.equal(asked.state, 'SCHEDULED');
    assert.equal(asked.cancelRequested, true);
    const cancel = sent.find((m) => m.kind?.$case === 'cancel');
    assert.ok(cancel, 'a cancel order was sent');

    const finished = { jobId: 'a', attempt: 1, exitCode: -1, message: 'stopped', runtimeS: 0 };
    await s.reportFinished('n1', { ...finished, endReason: 'CANCELLED', finishedAtMs: Date.now() });
    assert.equal(s.get('a').state, 'CANCELLED');
  });

  test('scheduler refuses reports that carry a stale attempt or come from another node', async () => {
    const s = await scheduler();
    await join(s, 'n1');
    await join(s, 'n2');
    await s.submit(spec('a'));
    const node = s.get('a').nodeId;
    const other = node === 'n1' ? 'n2' : 'n1';

    await s.reportStarted(node, { jobId: 'a', attempt: 7, startedAtMs: 1 });
    assert.equal(s.get('a').state, 'SCHEDULED', 'a stale attempt does not start the job');
    await s.reportStarted(other, { jobId: 'a', attempt: 1, startedAtMs: 1 });
    assert.equal(s.get('a').state, 'SCHEDULED', 'another node cannot start it');

    await s.reportStarted(node, { jobId: 'a', attempt: 1, startedAtMs: 1 });
    assert.equal(s.get('a').state, 'RUNNING');
    const end = { exitCode: 0, endReason: 'EXITED', message: '', runtimeS: 1, finishedAtMs: 2 };
    await s.reportFinished(node, { jobId: 'a', attempt: 2, ...end });
    assert.equal(s.get('a').state, 'RUNNING', 'a future attempt cannot end it');
    await s.reportFinished(node, { jobId: 'a', attempt: 1, ...end });
    assert.equal(s.get('a').state, 'SUCCEEDED');
    assert.ok(s.get('a').actual, 'the actual cost is priced from the measured runtime');
  });

  test('scheduler tells a worker to stop runs it no longer wants', async () => {
    const s = await scheduler();
    await join(s, 'n1');
    await s.submit(spec('a'));
    const stop = s.heartbeat('n1', [
      { jobId: 'a', attempt: 1 },
      { jobId: 'a', attempt: 0 },
      { jobId: 'ghost', attempt: 1 },
    ]);
    assert.deepEqual(stop, [
      { jobId: 'a', attempt: 0 },
      { jobId: 'ghost', attempt: 1 },
    ]);
  });

  test('scheduler places a job again when its node goes silent, then gives up after maxAttempts', async () => {
    const s = await scheduler({ nodeLostAfterMs: 150, maxAttempts: 2 });
    await join(s, 'n1');
    await s.submit(spec('a'));
    assert.equal(s.get('a').attempt, 1);

    // n1 stops heartbeating; n2 joins and keeps heartbeating.
    await tick(50);
    await join(s, 'n2');
    const beat = setInterval(() => s.heartbeat('n2', []), 30);
    try {
      for (let i = 0; i < 100 && s.get('a').nodeId !== 'n2'; i++) await tick(30);
      const job = s.get('a');
      assert.equal(job.nodeId, 'n2');
      assert.equal(job.attempt, 2);
      assert.equal(job.lostRuns, 1);

      clearInterval(beat);
      for (let i = 0; i < 100 && s.get('a').state !== 'FAILED'; i++) await tick(30);
      assert.equal(s.get('a').state, 'FAILED');
      assert.equal(s.get('a').endReason, 'NODE_LOST');
    } finally {
      clearInterval(beat);
    }
  });

  test('scheduler keeps the tail of a job output past the cap and drops re-sent chunks', async () => {
    const s = await scheduler();
    await join(s, 'n1');
    await s.submit(spec('a'));
    const out = (offset: number, text: string) =>
      s.reportOutput('n1', {
        jobId: 'a',
        attempt: 1,
        stream: 'stdout',
        data: Buffer.from(text),
        offset,
      });
    await out(0, 'x'.repeat(40));
    await out(0, 'x'.repeat(40));
    await out(40, 'y'.repeat(40));
    const job = s.get('a');
    assert.equal(job.runOutputBytes, 80);
    assert.equal(job.logBytes, 64);
    assert.equal(job.logBytesCut, 16);
    // Whole chunks are stored; the one that straddles the cut is read from the cut on.
    const chunks = await s.logs('a', 0);
    const stored = Buffer.concat(chunks.map((c) => c.data)).toString();
    const kept = stored.slice(job.logBytesCut - (chunks[0]?.offset ?? 0));
    assert.equal(kept.length, 64);
    assert.ok(kept.endsWith('y'.repeat(40)));
  });

  test('scheduler refuses to re-register a live node with another shape', async () => {
    const s = await scheduler();
    await join(s, 'n1');
    await assert.rejects(
      s.register(registration('n1', { memoryGb: 64 })),
      (err: TgpError) => err.code === 'NODE_CONFLICT' && /memoryGb was 4, now 64/.test(err.message),
    );
  });

  test('scheduler holds jobs as PENDING when no node has joined yet', async () => {
    const s = await scheduler();
    const { job } = await s.submit(spec('early'));
    assert.equal(job.state, 'PENDING');
    await join(s, 'n1');
    for (let i = 0; i < 50 && s.get('early').state === 'PENDING'; i++) await tick();
    assert.equal(s.get('early').state, 'SCHEDULED');
  });

  /** Ends a run of `jobId` on its node as a success. */
  function finish(s: Scheduler, jobId: string): Promise<void> {
    const job = s.get(jobId);
    const end = { exitCode: 0, endReason: 'EXITED', message: '', runtimeS: 1, finishedAtMs: 2 };
    return s.reportFinished(job.nodeId, { jobId, attempt: job.attempt, ...end });
  }

  async function settled(s: Scheduler, jobIds: string[]): Promise<void> {
    for (let i = 0; i < 200 && jobIds.some((id) => s.get(id).state === 'PENDING'); i++) {
      await tick();
    }
    // One more turn, in case the pass that places the rest is still to run.
    await tick(100);
  }

  /**
   * A cheap 4-core node and a dearer 2-core one, both held by a job, with a 2-core and a
   * 4-core job waiting behind them. One at a time, the 2-core job takes the cheap node
   * and the 4-core job fits nowhere; placed together both run.
   */
  async function strandingBacklog(batch: BatchPolicy) {
    const s = await scheduler({ batch });
    await join(s, 'big-cheap', { cpuCores: 4, memoryGb: 8, pricePerHourUsd: 0.1 });
    await s.submit(spec('hold-big', { cpuCores: 4 }));
    await join(s, 'small-dear', { cpuCores: 2, memoryGb: 8, pricePerHourUsd: 0.15 });
    await s.submit(spec('hold-small', { cpuCores: 2 }));
    assert.equal(s.get('hold-big').nodeId, 'big-cheap');
    assert.equal(s.get('hold-small').nodeId, 'small-dear');
    await s.submit(spec('two', { cpuCores: 2 }));
    await s.submit(spec('four', { cpuCores: 4 }));
    assert.equal(s.get('two').state, 'PENDING');
    assert.equal(s.get('four').state, 'PENDING');
    // Both nodes free up before the next placement pass.
    await Promise.all([finish(s, 'hold-big'), finish(s, 'hold-small')]);
    await settled(s, ['two', 'four']);
    return s;
  }

  test('scheduler places a waiting backlog as a batch where one at a time strands a job', async () => {
    const s = await strandingBacklog(BATCH_POLICY_DEFAULTS);
    assert.equal(s.get('two').state, 'SCHEDULED');
    assert.equal(s.get('two').nodeId, 'small-dear');
    assert.equal(s.get('four').state, 'SCHEDULED');
    assert.equal(s.get('four').nodeId, 'big-cheap');
    // Why the dearer node: the reason says so, in dollars, and names the cheaper one.
    assert.match(s.get('two').reason, /chose small-dear at \$0\.15 \(next big-cheap \$0\.05\)/);
    assert.match(s.get('two').reason, /placed with 2 waiting jobs as a batch/);
  });

  test('scheduler with batch placement off places the backlog one at a time', async () => {
    const s = await strandingBacklog({ ...BATCH_POLICY_DEFAULTS, enabled: false });
    assert.equal(s.get('two').nodeId, 'big-cheap');
    assert.equal(s.get('four').state, 'PENDING');
  });

  test('scheduler batches only the top priority and starts identical jobs in arrival order', async () => {
    const s = await scheduler();
    await join(s, 'n1', { cpuCores: 3, memoryGb: 8 });
    await s.submit(spec('hold', { cpuCores: 3 }));
    for (const id of ['x1', 'x2', 'x3', 'x4']) await s.submit(spec(id, { priority: 5 }));
    await s.submit(spec('low', { priority: 0 }));
    await finish(s, 'hold');
    await settled(s, ['x1', 'x2']);
    const states = ['x1', 'x2', 'x3', 'x4', 'low'].map((id) => s.get(id).state);
    assert.deepEqual(states, ['SCHEDULED', 'SCHEDULED', 'SCHEDULED', 'PENDING', 'PENDING']);
    assert.match(s.get('x1').reason, /as a batch/);
  });
});
