/**
 * Malformed requests over real gRPC: each gets the right status and a message naming the
 * field and the value, and the scheduler keeps serving with nothing accepted lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  JobSpec,
  WorkerServiceClient,
  type RegisterRequest,
} from '../../src/api/gen/tgp/v1/tgp.js';
import { TestGrid } from '../helpers/grid.js';

type Case = [name: string, spec: Partial<JobSpec>, code: status, message: RegExp];

const BAD_SPECS: Case[] = [
  ['an empty job id', { jobId: '' }, status.INVALID_ARGUMENT, /invalid job_id "": must not be/],
  [
    'an overlong job id',
    { jobId: 'x'.repeat(129) },
    status.INVALID_ARGUMENT,
    /invalid job_id "x{80}…\(129 chars\)": must be at most 128 characters/,
  ],
  [
    'a job id with a space',
    { jobId: 'my job' },
    status.INVALID_ARGUMENT,
    /invalid job_id "my job": may hold only A-Z a-z 0-9 \. _ -/,
  ],
  ['a job id with a slash', { jobId: 'a/b' }, status.INVALID_ARGUMENT, /invalid job_id "a\/b"/],
  ['negative cpu', { cpuCores: -1 }, status.INVALID_ARGUMENT, /invalid cpu_cores -1: must not be/],
  [
    'NaN cpu',
    { cpuCores: NaN },
    status.INVALID_ARGUMENT,
    /invalid cpu_cores NaN: must be a finite/,
  ],
  ['zero cpu', { cpuCores: 0 }, status.INVALID_ARGUMENT, /invalid cpu_cores 0: must be greater/],
  [
    'absurd cpu',
    { cpuCores: 1e9 },
    status.INVALID_ARGUMENT,
    /invalid cpu_cores 1000000000: must be at most 4096/,
  ],
  [
    'infinite memory',
    { memoryGb: Infinity },
    status.INVALID_ARGUMENT,
    /invalid memory_gb Infinity: must be a finite number/,
  ],
  [
    'a negative budget',
    { maxBudgetUsd: -5 },
    status.INVALID_ARGUMENT,
    /invalid max_budget_usd -5: must not be negative/,
  ],
  ['a NaN latency', { maxLatencyMs: NaN }, status.INVALID_ARGUMENT, /invalid max_latency_ms NaN/],
  [
    'a negative duration',
    { expectedDurationS: -60 },
    status.INVALID_ARGUMENT,
    /invalid expected_duration_s -60/,
  ],
  [
    'input data without a location',
    { inputDataGb: 5 },
    status.INVALID_ARGUMENT,
    /invalid data_location "": must be set when input_data_gb > 0/,
  ],
  [
    'an invalid environment variable name',
    { env: { 'BAD-NAME': 'x' } },
    status.INVALID_ARGUMENT,
    /invalid env "BAD-NAME": is not a valid variable name/,
  ],
  [
    'a job larger than every node',
    { cpuCores: 64 },
    status.FAILED_PRECONDITION,
    /can never be placed: 0\/1 nodes available: 1 too few cores in all/,
  ],
  [
    'a budget below the cheapest placement',
    { maxBudgetUsd: 0.0001, expectedDurationS: 36_000 },
    status.FAILED_PRECONDITION,
    /can never be placed: 0\/1 nodes available: 1 over budget \(cheapest \$0\.50 > \$0\.00010\)/,
  ],
];

describe('bad input', () => {
  const grid = new TestGrid();
  let worker: WorkerServiceClient;

  before(async () => {
    await grid.startScheduler();
    await grid.startWorker({ nodeId: 'w1', cpuCores: 2, memoryGb: 2, pricePerHourUsd: 0.1 });
    worker = new WorkerServiceClient(grid.address, credentials.createInsecure());
    await grid.submit({ jobId: 'accepted-first', command: ['true'] });
  });
  after(async () => {
    worker.close();
    await grid.stopAll();
  });

  for (const [name, partial, code, message] of BAD_SPECS) {
    test(`scheduler refuses a submit with ${name}`, async () => {
      const spec = JobSpec.fromPartial({
        jobId: 'ok-id',
        cpuCores: 1,
        memoryGb: 1,
        maxBudgetUsd: 1,
        ...partial,
      });
      await assert.rejects(grid.client.submitJob({ spec }), (err: ServiceError) => {
        assert.equal(err.code, code, err.details);
        assert.match(err.details, message);
        return true;
      });
    });
  }

  test('scheduler refuses a submit with no spec at all', async () => {
    await assert.rejects(grid.client.submitJob({ spec: undefined }), (err: ServiceError) => {
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.match(err.details, /spec/);
      return true;
    });
  });

  test('scheduler refuses a resubmitted id with a different spec', async () => {
    await grid.submit({ jobId: 'same-id', command: ['true'] });
    await assert.rejects(
      grid.submit({ jobId: 'same-id', command: ['false'] }),
      (err: ServiceError) => {
        assert.equal(err.code, status.ALREADY_EXISTS);
        assert.match(err.details, /job_id "same-id" already exists with a different spec/);
        return true;
      },
    );
  });

  test('scheduler answers NOT_FOUND for an unknown job id', async () => {
    for (const call of [
      () => grid.client.getJob({ jobId: 'nope', includeEvents: false }),
      () => grid.client.cancelJob({ jobId: 'nope' }),
    ]) {
      await assert.rejects(call(), (err: ServiceError) => {
        assert.equal(err.code, status.NOT_FOUND);
        assert.match(err.details, /no job with job_id "nope"/);
        return true;
      });
    }
  });

  test('scheduler ends a watch or a log stream of an unknown job with NOT_FOUND', async () => {
    for (const open of [
      () => grid.client.watchJob({ jobId: 'nope', afterSeq: 0 }),
      () => grid.client.getLogs({ jobId: 'nope', follow: true }),
    ]) {
      const err = await new Promise<ServiceError>((resolve, reject) => {
        const stream = open();
        stream.on('data', () => reject(new Error('no data expected')));
        stream.on('error', resolve);
        stream.on('end', () => reject(new Error('ended without an error')));
      });
      assert.equal(err.code, status.NOT_FOUND);
      assert.match(err.details, /no job with job_id "nope"/);
    }
  });

  test('scheduler refuses a live worker that registers again with another capacity', async () => {
    const request: RegisterRequest = {
      nodeId: 'w1',
      capacity: { cpuCores: 64, memoryGb: 2, gpuCount: 0, gpuModel: '', diskGb: 0 },
      pricePerHourUsd: 0.1,
      opportunityCostPerHourUsd: 0,
      location: 'local',
      labels: {},
      executors: ['process'],
      startupMs: 10,
      rttMs: 1,
      agentVersion: 'test',
    };
    const err = await new Promise<ServiceError | null>((resolve) =>
      worker.register(request, new Metadata(), (e) => resolve(e)),
    );
    assert.equal(err?.code, status.ALREADY_EXISTS);
    assert.match(
      err?.details ?? '',
      /node_id "w1" is registered and live .*cpuCores was 2, now 64/,
    );
  });

  test('scheduler refuses a registration with a malformed capacity', async () => {
    const request = {
      nodeId: 'w-bad',
      capacity: { cpuCores: -2, memoryGb: 2, gpuCount: 0, gpuModel: '', diskGb: 0 },
      pricePerHourUsd: 0.1,
      opportunityCostPerHourUsd: 0,
      location: 'local',
      labels: {},
      executors: ['process'],
      startupMs: 10,
      rttMs: 1,
      agentVersion: 'test',
    };
    const err = await new Promise<ServiceError | null>((resolve) =>
      worker.register(request, new Metadata(), (e) => resolve(e)),
    );
    assert.equal(err?.code, status.INVALID_ARGUMENT);
    assert.match(err?.details ?? '', /invalid capacity\.cpu_cores -2/);
  });

  test('scheduler answers NOT_FOUND to a heartbeat from an unknown node', async () => {
    const err = await new Promise<ServiceError | null>((resolve) =>
      worker.heartbeat({ nodeId: 'ghost', free: undefined, running: [] }, (e) => resolve(e)),
    );
    assert.equal(err?.code, status.NOT_FOUND);
    assert.match(err?.details ?? '', /unknown node_id "ghost"/);
  });

  test('scheduler keeps serving after bad input and loses nothing it accepted', async () => {
    const first = await grid.waitForState('accepted-first');
    assert.equal(first.spec?.jobId, 'accepted-first');
    await grid.submit({ jobId: 'accepted-after', command: ['true'] });
    await grid.waitForState('accepted-after');
    const all = await grid.client.listJobs({});
    const ids = all.jobs.map((j) => j.spec?.jobId);
    assert.ok(ids.includes('accepted-first') && ids.includes('accepted-after'));
    assert.ok(!ids.includes('ok-id'), 'no refused job was stored');
  });
});
