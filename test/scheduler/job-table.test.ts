/**
 * The job table: packed waiting jobs and records answer as one table, by id, by state and
 * newest first, and a packed job's record is built once, when first asked for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobSpec } from '../../src/api/gen/tgp/v1/tgp.js';
import { shapeKey } from '../../src/placement/engine.js';
import { blankRecord } from '../../src/scheduler/job-codec.js';
import { JobTable } from '../../src/scheduler/job-table.js';
import { placementJob } from '../../src/scheduler/scheduler.js';

function waitingJob(jobId: string, seq: number) {
  const job = blankRecord(JobSpec.fromPartial({ jobId, cpuCores: 1, memoryGb: 1 }), seq);
  job.submittedAtMs = 1000 + seq;
  job.reason = 'no room';
  return job;
}

function table() {
  const jobs = new JobTable(placementJob);
  const park = (jobId: string, seq: number) => {
    const job = waitingJob(jobId, seq);
    jobs.set(job);
    const placement = placementJob(job.spec);
    return jobs.park(job, shapeKey(placement), placement);
  };
  return { jobs, park };
}

test('job table packs a fresh waiting job and builds its record once, when asked', () => {
  const { jobs, park } = table();
  const slot = park('a', 1);
  assert.equal(typeof slot, 'number');
  assert.equal(jobs.size, 1);
  const first = jobs.get('a');
  assert.deepEqual(first, waitingJob('a', 1));
  assert.equal(jobs.get('a'), first, 'the same record on every ask');
  assert.equal(jobs.size, 1, 'a built record is not counted twice');
  jobs.release(slot!);
  assert.equal(jobs.get('a'), first, 'the record outlives its slot');
  assert.equal(jobs.size, 1);
});

test('job table keeps a job that was placed before as a record, not a slot', () => {
  const { jobs } = table();
  const job = waitingJob('again', 3);
  job.attempt = 1;
  jobs.set(job);
  assert.equal(jobs.park(job, 'shape', placementJob(job.spec)), undefined);
  assert.equal(jobs.get('again'), job);
});

test('job table lists packed and recorded jobs together, newest first, by state', () => {
  const { jobs, park } = table();
  park('p1', 1);
  const running = waitingJob('r2', 2);
  running.state = 'RUNNING';
  running.nodeId = 'n1';
  jobs.set(running);
  park('p3', 3);
  park('p4', 4);
  jobs.get('p3');

  const ids = (list: { spec: { jobId: string } }[]) => list.map((j) => j.spec.jobId);
  assert.deepEqual(ids(jobs.list(new Set(), 10)), ['p4', 'p3', 'r2', 'p1']);
  assert.deepEqual(ids(jobs.list(new Set(), 2)), ['p4', 'p3']);
  assert.deepEqual(ids(jobs.list(new Set(['PENDING']), 10)), ['p4', 'p3', 'p1']);
  assert.deepEqual(ids(jobs.list(new Set(), 10, 'n1')), ['r2']);
  assert.deepEqual([...jobs.countByState()].sort(), [
    ['PENDING', 3],
    ['RUNNING', 1],
  ]);
  assert.equal(jobs.has('p1'), true);
  assert.equal(jobs.has('nope'), false);
});
