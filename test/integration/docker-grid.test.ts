/**
 * Docker jobs through the whole grid: a real scheduler (in this process) and a real worker
 * process (`tgp worker`) on a real engine, driven with the typed client. Output reaches
 * `tgp logs`, every ending has its reason, and a worker killed mid-job adopts its container.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { ServiceError } from '@grpc/grpc-js';
import { SchedulerApi } from '../../src/api/client.js';
import { JobSpec, JobState, type Job } from '../../src/api/gen/tgp/v1/tgp.js';
import { schedulerConfig } from '../../src/config/config.js';
import { LABEL } from '../../src/executors/docker-spec.js';
import { startScheduler, type RunningScheduler } from '../../src/scheduler/daemon.js';
import { createLogger } from '../../src/util/log.js';
import {
  LIMITS_SCRIPT,
  TEST_IMAGE,
  needDocker,
  parseLimits,
  type TestEngine,
} from '../helpers/docker.js';
import { BIN, until } from '../helpers/grid.js';
import { fakeNvidiaSmi } from '../helpers/nvidia-smi.js';

const dir = mkdtempSync(join(tmpdir(), 'tgp-docker-grid-'));
const nodeId = `docker-${randomBytes(3).toString('hex')}`;

interface Worker {
  child: ChildProcess;
  output: string[];
  exited: Promise<unknown>;
}

let engine: TestEngine | undefined;
let grid: RunningScheduler | undefined;
let api: SchedulerApi;
let address = '';
let worker: Worker | undefined;
const extraWorkers: Worker[] = [];

/** Starts `tgp worker` for `id` with the docker executor only; resolves once it is READY. */
async function startWorker(id: string, env: NodeJS.ProcessEnv = {}): Promise<Worker> {
  const file = join(dir, `${id}.json`);
  const config = {
    scheduler: address,
    nodeId: id,
    executors: ['docker'],
    dockerHost: engine?.dockerHost,
    cpuCores: 2,
    memoryGb: 2,
    pricePerHourUsd: 0.1,
    stopGraceS: 1,
    dataDir: join(dir, `worker-${id}`),
  };
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [BIN, 'worker', '--config', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TGP_LOG_LEVEL: 'info', ...env },
  });
  const output: string[] = [];
  child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await until(`worker ${id} to be READY`, async () => {
    if (child.exitCode !== null) throw new Error(`worker exited: ${output.join('')}`);
    const status = await api.clusterStatus();
    return status.nodes.some((n) => n.nodeId === id && n.state === 1);
  });
  return { child, output, exited };
}

async function kill(w: Worker | undefined): Promise<void> {
  if (!w || w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGKILL');
  await w.exited;
}

function spec(jobId: string, fields: Partial<JobSpec>): JobSpec {
  return JobSpec.fromPartial({
    jobId,
    image: TEST_IMAGE,
    cpuCores: 0.5,
    memoryGb: 0.25,
    expectedDurationS: 10,
    maxBudgetUsd: 10,
    maxRuntimeS: 60,
    ...fields,
  });
}

function newId(name: string): string {
  return `${name}-${randomBytes(3).toString('hex')}`;
}

async function submit(jobId: string, fields: Partial<JobSpec>): Promise<void> {
  await api.submitJob({ spec: spec(jobId, fields) });
}

/** Waits for the job's end and returns it with its events. */
async function ended(jobId: string): Promise<Job> {
  await api.waitForEnd(jobId);
  return api.getJob({ jobId, includeEvents: true });
}

async function waitForState(jobId: string, state: JobState): Promise<Job> {
  return until(`job ${jobId} to be ${JobState[state]}`, async () => {
    const job = await api.getJob({ jobId, includeEvents: false });
    return job.state === state ? job : undefined;
  });
}

/** Runs `tgp logs` (with `args`) and returns what it printed on stdout and stderr. */
function tgpLogs(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, '--scheduler', address, 'logs', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ stdout, stderr, code: code ?? -1 }));
  });
}

/** This node's containers still on the engine. */
async function containers(): Promise<unknown[]> {
  return (
    (await engine?.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.nodeId}=${nodeId}`] },
    })) ?? []
  );
}

function logs(): string {
  return worker?.output.join('').slice(-4000) ?? '';
}

describe('docker grid', () => {
  before(async () => {
    // The engine is looked up in each test (to skip it properly); a failed lookup here
    // leaves `grid` unset and every test skips.
    const config = schedulerConfig({
      listen: '127.0.0.1:0',
      dataDir: join(dir, 'scheduler'),
      heartbeatIntervalMs: 300,
      nodeLostAfterMs: 15_000,
    });
    grid = await startScheduler(config, createLogger('scheduler', 'silent'));
    address = `127.0.0.1:${grid.server.port}`;
    api = new SchedulerApi(address, 10_000);
  });

  after(async () => {
    await kill(worker);
    for (const w of extraWorkers) await kill(w);
    for (const c of (await containers()) as { Id: string }[]) {
      await engine?.docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    api?.close();
    await grid?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The engine and a running docker worker, or false when the test was skipped. */
  async function ready(t: TestContext): Promise<boolean> {
    engine ??= await needDocker(t);
    if (!engine) return false;
    worker ??= await startWorker(nodeId);
    return true;
  }

  test('docker grid registers the worker with the docker executor and its capacity', async (t) => {
    if (!(await ready(t))) return;
    const status = await api.clusterStatus();
    const node = status.nodes.find((n) => n.nodeId === nodeId);
    assert.deepEqual(node?.executors, ['docker']);
    assert.equal(node?.capacity?.cpuCores, 2);
    assert.match(logs(), /"msg":"docker engine found"/);
  });

  test('docker grid returns an echo job output exactly to the client and tgp logs', async (t) => {
    if (!(await ready(t))) return;
    const jobId = newId('echo');
    const script = 'echo "hello from $TGP_JOB_ID"; printf "no newline"; echo " err" >&2';
    await submit(jobId, { command: ['sh', '-c', script] });
    const job = await ended(jobId);
    assert.equal(job.state, JobState.SUCCEEDED, `${job.reason}\n${logs()}`);
    assert.equal(job.endReason, 'EXITED');

    const printed = await tgpLogs([jobId]);
    assert.equal(printed.code, 0);
    assert.equal(printed.stdout, `hello from ${jobId}\nno newline`);
    assert.equal(printed.stderr, ' err\n');
  });

  test('docker grid follows a running job output with tgp logs -f until it ends', async (t) => {
    if (!(await ready(t))) return;
    const jobId = newId('follow');
    await submit(jobId, { command: ['sh', '-c', 'echo one; sleep 1; echo two'] });
    await waitForState(jobId, JobState.RUNNING);
    const printed = await tgpLogs(['-f', jobId]);
    assert.equal(printed.stdout, 'one\ntwo\n');
    assert.equal((await api.getJob({ jobId, includeEvents: false })).state, JobState.SUCCEEDED);
  });

  test('docker grid runs a CPU loop of 100k iterations to completion', async (t) => {
    if (!(await ready(t))) return;
    const jobId = newId('loop');
    const loop = 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo $i';
    await submit(jobId, { command: ['sh', '-c', loop], cpuCores: 1 });
    const job = await ended(jobId);
    assert.equal(job.state, JobState.SUCCEEDED, job.reason);
    assert.equal(await tgpLogs([jobId]).then((p) => p.stdout), '100000\n');
  });

  test('docker grid isolates a job: own hostname, no network, limits as requested', async (t) => {
    if (!(await ready(t))) return;
    const jobId = newId('inside');
    const script = `hostname; ls /sys/class/net | tr "\\n" " "; echo; ${LIMITS_SCRIPT}`;
    await submit(jobId, { command: ['sh', '-c', script], cpuCores: 0.25, memoryGb: 0.5 });
    const job = await ended(jobId);
    assert.equal(job.state, JobState.SUCCEEDED, job.reason);
    const [name = '', nets = '', ...rest] = (await tgpLogs([jobId])).stdout.split('\n');
    assert.notEqual(name, hostname());
    assert.equal(nets.trim(), 'lo');
    const limits = parseLimits(rest.join('\n'));
    assert.equal(limits.memoryBytes, 0.5 * 1024 ** 3);
    assert.equal(limits.cores, 0.25);
  });

  test('docker grid fails a job past its memory limit with OOM_KILLED', async (t) => {
    if (!(await ready(t))) return;
    const jobId = newId('oom');
    await submit(jobId, {
      // It starts after a pause: the engine watches for the kernel's OOM notice only once the
      // container runs, and a kill before that goes unflagged (docs/sandbox.md).
      command: ['sh', '-c', 'sleep 1; dd if=/dev/zero of=/dev/null bs=300M count=1'],
      memoryGb: 0.0625,
    });
    const job = await ended(jobId);
    assert.equal(job.state, JobState.FAILED);
    assert.equal(job.endReason, 'OOM_KILLED');
    assert.equal(job.exitCode, 137);
  });

  test('docker grid stops a job past its maximum runtime with TIMED_OUT', async (t) => {
    if (!(await ready(t))) return;
    const jobId = newId('slow');
    await submit(jobId, { command: ['sleep', '30'], maxRuntimeS: 1 });
    const job = await ended(jobId);
    assert.equal(job.state, JobState.FAILED);
    assert.equal(job.endReason, 'TIMED_OUT');
    assert.ok(job.actualRuntimeS < 5, `ran ${job.actualRuntimeS} s`);
  });

  test('docker grid stops a cancelled running container as CANCELLED', async (t) => {
    if (!(await ready(t))) return;
    const jobId = newId('cancel');
    await submit(jobId, { command: ['sleep', '30'] });
    await waitForState(jobId, JobState.RUNNING);
    await api.cancelJob({ jobId });
    const job = await ended(jobId);
    assert.equal(job.state, JobState.CANCELLED);
    assert.equal(job.endReason, 'CANCELLED');
    await until('the cancelled container to be removed', async () =>
      (await containers()).length === 0 ? true : undefined,
    );
  });

  test('docker grid fails a job with a missing image as IMAGE_UNAVAILABLE', async (t) => {
    if (!(await ready(t))) return;
    const jobId = newId('noimage');
    await submit(jobId, { image: '127.0.0.1:9/tgp-missing:none', command: ['true'] });
    const job = await ended(jobId);
    assert.equal(job.state, JobState.FAILED);
    assert.equal(job.endReason, 'IMAGE_UNAVAILABLE');
    assert.match(job.reason, /could not be pulled/);
    assert.ok(job.events.some((e) => e.type === 'PULLING_IMAGE'));
    assert.match(logs(), /"msg":"image pull failed"/);

    const next = newId('after');
    await submit(next, { command: ['echo', 'worker fine'] });
    assert.equal((await ended(next)).state, JobState.SUCCEEDED);
    assert.equal((await tgpLogs([next])).stdout, 'worker fine\n');
  });

  test('docker grid worker killed mid-job adopts its container on restart', async (t) => {
    if (!(await ready(t))) return;
    const jobId = newId('adopt');
    await submit(jobId, { command: ['sh', '-c', 'echo begin; sleep 3; echo done'] });
    await waitForState(jobId, JobState.RUNNING);
    await until('the first line', async () =>
      (await tgpLogs([jobId])).stdout === 'begin\n' ? true : undefined,
    );

    await kill(worker);
    worker = await startWorker(nodeId);
    const job = await ended(jobId);
    assert.equal(job.state, JobState.SUCCEEDED, `${job.reason}\n${logs()}`);
    assert.equal(job.attempt, 1);
    const types = job.events.map((e) => e.type);
    assert.equal(types.filter((x) => x === 'SUCCEEDED').length, 1);
    assert.equal(types.filter((x) => x === 'SCHEDULED').length, 1);
    assert.ok(!types.includes('RUN_LOST'), types.join(' '));
    assert.match(logs(), /"msg":"container adopted"/);
    // Output kept once: what the first agent sent is not kept twice after the replay.
    assert.equal((await tgpLogs([jobId])).stdout, 'begin\ndone\n');
    await until('the adopted container to be removed', async () =>
      (await containers()).length === 0 ? true : undefined,
    );
  });

  test('docker grid refuses a job without an image when no worker allows processes', async (t) => {
    if (!(await ready(t))) return;
    await assert.rejects(
      api.submitJob({ spec: spec(newId('plain'), { image: '', command: ['true'] }) }),
      (err: ServiceError) => /can never be placed/.test(err.details),
    );
  });

  test('docker grid worker reports the GPUs a stand-in nvidia-smi lists', async (t) => {
    if (!(await ready(t))) return;
    const gpuNode = `${nodeId}-gpu`;
    const bin = fakeNvidiaSmi(['Tesla T4', 'Tesla T4']);
    const gpuWorker = await startWorker(gpuNode, { PATH: `${bin}:${process.env.PATH ?? ''}` });
    extraWorkers.push(gpuWorker);
    const status = await api.clusterStatus();
    const node = status.nodes.find((n) => n.nodeId === gpuNode);
    assert.equal(node?.capacity?.gpuCount, 2);
    assert.equal(node?.capacity?.gpuModel, 'T4');
    await kill(gpuWorker);
    rmSync(bin, { recursive: true, force: true });
  });
});
