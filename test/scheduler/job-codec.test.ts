/**
 * The stored form of a job record: every field comes back as it was, whether it holds its
 * default or not, placements keep their verdicts and shared costs, and records of the
 * earlier plain form still load.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobSpec } from '../../src/api/gen/tgp/v1/tgp.js';
import type { Cost } from '../../src/cost/formula.js';
import {
  decodeJob,
  encodeJob,
  internSpec,
  specFromText,
  specText,
  waitingOf,
} from '../../src/scheduler/job-codec.js';
import type { JobRecord } from '../../src/scheduler/job-record.js';

const cost: Cost = {
  computeCostUsd: 0.1,
  dataTransferUsd: 0.02,
  idleOpportunityUsd: 0,
  totalCostUsd: 0.12,
  estimatedLatencyMs: 51,
  utilization: 0.25,
};

function waiting(): JobRecord {
  return {
    spec: JobSpec.fromPartial({ jobId: 'j-1', cpuCores: 1, memoryGb: 2, command: ['true'] }),
    seq: 7,
    state: 'PENDING',
    nodeId: '',
    attempt: 0,
    reason: '0/0 nodes available',
    endReason: '',
    estimated: undefined,
    actual: undefined,
    exitCode: 0,
    submittedAtMs: 1_700_000_000_000,
    scheduledAtMs: 0,
    startedAtMs: 0,
    finishedAtMs: 0,
    actualRuntimeS: 0,
    placement: undefined,
    cancelRequested: false,
    lostRuns: 0,
    logBytes: 0,
    logBytesCut: 0,
    runOutputBytes: 0,
  };
}

function finished(): JobRecord {
  return {
    ...waiting(),
    spec: JobSpec.fromPartial({
      jobId: 'j-2',
      image: 'busybox',
      command: ['sh', '-c', 'exit 3'],
      env: { A: '1' },
      cpuCores: 0.5,
      memoryGb: 1.5,
      gpuCount: 1,
      gpuModel: 'T4',
      constraints: { zone: 'a' },
      priority: -2,
      maxBudgetUsd: 3,
    }),
    state: 'FAILED',
    nodeId: 'n1',
    attempt: 2,
    reason: 'exit 3',
    endReason: 'EXITED',
    estimated: cost,
    actual: { ...cost, totalCostUsd: 0.05 },
    exitCode: 3,
    scheduledAtMs: 1,
    startedAtMs: 2,
    finishedAtMs: 3,
    actualRuntimeS: 4.5,
    placement: {
      summary: '2/3 nodes available: 1 down; chose n1 at $0.12 (next n2 $0.12)',
      chosenNodeId: 'n1',
      nodesTotal: 3,
      nodesFeasible: 2,
      decidedAtMs: 9,
      verdicts: [
        { nodeId: 'n1', reason: 'FEASIBLE', detail: '', cost, retryable: false },
        { nodeId: 'n2', reason: 'FEASIBLE', detail: '', cost, retryable: false },
        { nodeId: 'n3', reason: 'NODE_DOWN', detail: 'node is down', cost, retryable: true },
        {
          nodeId: 'n4',
          reason: 'NO_EXECUTOR',
          detail: 'no docker',
          cost: undefined,
          retryable: false,
        },
      ],
    },
    cancelRequested: true,
    lostRuns: 1,
    logBytes: 10,
    logBytesCut: 20,
    runOutputBytes: 30,
  };
}

/** What the store does with a record: JSON out, JSON in; the spec as its own text. */
const throughStore = (job: JobRecord): JobRecord =>
  decodeJob(
    JSON.parse(JSON.stringify(encodeJob(job))) as unknown,
    specFromText(specText(job.spec), job.spec.jobId),
  );

test('job codec gives back a waiting job field for field', () => {
  assert.deepEqual(throughStore(waiting()), waiting());
});

test('job codec gives back a finished job with its placement and costs', () => {
  assert.deepEqual(throughStore(finished()), finished());
});

test('job codec stores a spec without its id, one text for specs submitted alike', () => {
  const a = waiting().spec;
  const b = { ...a, jobId: 'j-2' };
  assert.equal(specText(a), '{"command":["true"],"cpuCores":1,"memoryGb":2}');
  assert.equal(specText(b), specText(a));
  assert.deepEqual(specFromText(specText(b), 'j-2'), b);
});

test('job codec recognises a stored job waiting for its first placement', () => {
  const stored = JSON.parse(JSON.stringify(encodeJob(waiting()))) as unknown;
  const expected = { submittedAtMs: 1_700_000_000_000, reason: '0/0 nodes available' };
  assert.deepEqual(waitingOf(stored), expected);
  assert.equal(waitingOf(encodeJob(finished())), undefined);
});

test('job codec keeps a waiting job small', () => {
  assert.ok(JSON.stringify(encodeJob(waiting())).length < 100);
  const plain = JSON.stringify(finished()).length;
  assert.ok(JSON.stringify(encodeJob(finished())).length < plain * 0.7);
});

test('job codec reads records of the earlier plain form', () => {
  const plain = JSON.parse(JSON.stringify(finished())) as Record<string, unknown>;
  delete plain.runOutputBytes;
  const spec = plain.spec as JobSpec;
  delete plain.spec;
  const job = decodeJob(plain, spec);
  assert.equal(job.runOutputBytes, 0);
  // Plain JSON had already dropped fields that were undefined, as a verdict's cost.
  const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
  assert.deepEqual(json({ ...job, runOutputBytes: 30 }), json(finished()));
});

test('internSpec shares empty maps and equal commands between specs', () => {
  const a = internSpec(JobSpec.fromPartial({ jobId: 'a', command: ['run', 'x'] }));
  const b = internSpec(JobSpec.fromPartial({ jobId: 'b', command: ['run', 'x'] }));
  assert.equal(a.command, b.command);
  assert.equal(a.env, b.env);
  assert.deepEqual(a.command, ['run', 'x']);
  assert.ok(Object.isFrozen(a.command));
});
