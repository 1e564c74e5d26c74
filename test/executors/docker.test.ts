/**
 * The docker executor against a real engine (test/helpers/docker.ts): output, limits seen
 * from inside the container, every kind of ending, and adoption by a restarted agent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { describe, test, type TestContext } from 'node:test';
import { DockerExecutor } from '../../src/executors/docker.js';
import { LABEL, type SandboxPolicy } from '../../src/executors/docker-spec.js';
import type {
  Execution,
  ExecutionHooks,
  ExecutionRequest,
  ExecutionResult,
} from '../../src/executors/executor.js';
import {
  LIMITS_SCRIPT,
  TEST_IMAGE,
  needDocker,
  parseLimits,
  type TestEngine,
} from '../helpers/docker.js';

/** What one execution told its hooks. */
class Recorder implements ExecutionHooks {
  startedAtMs = 0;
  readonly stdout: Buffer[] = [];
  readonly stderr: Buffer[] = [];
  readonly progress: { type: string; message: string }[] = [];

  onStarted(startedAtMs: number): void {
    this.startedAtMs = startedAtMs;
  }
  onOutput(stream: 'stdout' | 'stderr', data: Buffer): void {
    (stream === 'stdout' ? this.stdout : this.stderr).push(data);
  }
  onProgress(type: string, message: string): void {
    this.progress.push({ type, message });
  }
  get out(): string {
    return Buffer.concat(this.stdout).toString();
  }
  get err(): string {
    return Buffer.concat(this.stderr).toString();
  }
}

function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

function request(fields: Partial<ExecutionRequest>): ExecutionRequest {
  return {
    jobId: uniqueId('job'),
    attempt: 1,
    image: TEST_IMAGE,
    command: ['true'],
    env: {},
    workdir: '',
    cpuCores: 1,
    memoryGb: 0.25,
    gpuCount: 0,
    maxRuntimeS: 60,
    ...fields,
  };
}

interface Harness {
  engine: TestEngine;
  nodeId: string;
  executor: DockerExecutor;
  /** Starts a job and returns its execution with the hooks that recorded it. */
  start(fields: Partial<ExecutionRequest>): { execution: Execution; hooks: Recorder };
  /** Runs a job to its end and releases (removes) its container. */
  run(fields: Partial<ExecutionRequest>): Promise<{ result: ExecutionResult; hooks: Recorder }>;
  /** Containers of this harness's node, as the engine lists them. */
  containers(): Promise<{ Id: string; State: string; Labels: Record<string, string> }[]>;
}

async function harness(
  t: TestContext,
  policy: Partial<SandboxPolicy> = {},
): Promise<Harness | undefined> {
  const engine = await needDocker(t);
  if (!engine) return undefined;
  const nodeId = uniqueId('node');
  const executor = new DockerExecutor({
    dockerHost: engine.dockerHost,
    nodeId,
    graceS: 1,
    policy,
  });
  const start = (fields: Partial<ExecutionRequest>) => {
    const hooks = new Recorder();
    return { execution: executor.start(request(fields), hooks), hooks };
  };
  const h: Harness = {
    engine,
    nodeId,
    executor,
    start,
    run: async (fields) => {
      const { execution, hooks } = start(fields);
      const result = await execution.done;
      execution.release?.();
      return { result, hooks };
    },
    containers: () =>
      engine.docker.listContainers({
        all: true,
        filters: { label: [`${LABEL.nodeId}=${nodeId}`] },
      }),
  };
  t.after(async () => {
    for (const c of await h.containers()) {
      await engine.docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });
  return h;
}

/** Polls `probe` until it gives a value; a probe that throws is asked again. */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const cause = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out waiting for ${what}${cause}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('docker executor', { concurrency: 4 }, () => {
  test('docker executor returns an echo job stdout and stderr exactly', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const { result, hooks } = await h.run({
      command: ['sh', '-c', 'printf "hello\\n  world\\n"; echo "to stderr" >&2; echo "$GREETING"'],
      env: { GREETING: 'from env' },
    });
    assert.equal(result.endReason, 'EXITED');
    assert.equal(result.exitCode, 0);
    assert.equal(hooks.out, 'hello\n  world\nfrom env\n');
    assert.equal(hooks.err, 'to stderr\n');
    assert.ok(hooks.startedAtMs > 0 && result.runtimeS >= 0);
  });

  test('docker executor runs in the working directory and keeps the exit code', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const { result, hooks } = await h.run({
      command: ['sh', '-c', 'pwd; exit 3'],
      workdir: '/tmp',
    });
    assert.equal(hooks.out, '/tmp\n');
    assert.equal(result.endReason, 'EXITED');
    assert.equal(result.exitCode, 3);
    assert.equal(result.message, 'exited with code 3');
  });

  test('docker executor runs a CPU loop of 100k iterations to completion', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const loop = 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo $i';
    const { result, hooks } = await h.run({ command: ['sh', '-c', loop], cpuCores: 1 });
    assert.equal(result.exitCode, 0);
    assert.equal(hooks.out, '100000\n');
  });

  test('docker executor gives the container its own hostname and no network', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const { result, hooks } = await h.run({
      command: ['sh', '-c', 'hostname; ls /sys/class/net; ip link | grep -c "^[0-9]"'],
    });
    assert.equal(result.exitCode, 0, hooks.err);
    const [name, ...rest] = hooks.out.trim().split('\n');
    assert.notEqual(name, hostname());
    // Only the loopback interface: listed alone, and the single link `ip link` shows.
    assert.deepEqual(rest, ['lo', '1']);
  });

  test('docker executor sets the CPU, memory and pids limits the job asked for', async (t) => {
    const h = await harness(t, { pidsLimit: 64 });
    if (!h) return;
    const { result, hooks } = await h.run({
      command: ['sh', '-c', LIMITS_SCRIPT],
      cpuCores: 0.5,
      memoryGb: 0.125,
    });
    assert.equal(result.exitCode, 0, hooks.err);
    const limits = parseLimits(hooks.out);
    assert.equal(limits.memoryBytes, 0.125 * 1024 ** 3);
    assert.equal(limits.cores, 0.5);
    assert.equal(limits.pids, '64');
  });

  test('docker executor reports OOM_KILLED when a job allocates past its memory', async (t) => {
    const h = await harness(t);
    if (!h) return;
    // dd fills one 300 MB buffer in a single process; the limit is 64 MB.
    const { result } = await h.run({
      // It starts after a pause: the engine watches for the kernel's OOM notice only once the
      // container runs, and a kill before that goes unflagged (docs/sandbox.md).
      command: ['sh', '-c', 'sleep 1; dd if=/dev/zero of=/dev/null bs=300M count=1'],
      memoryGb: 0.0625,
    });
    assert.equal(result.endReason, 'OOM_KILLED', JSON.stringify(result));
    assert.equal(result.exitCode, 137);
    assert.equal(result.message, 'killed for memory (limit 0.0625 GB)');
  });

  test('docker executor says a SIGKILL exit it did not cause may have been for memory', async (t) => {
    const h = await harness(t);
    if (!h) return;
    // The job kills itself: exit 137 with no OOM flag, after the worker waited for one.
    const { result } = await h.run({ command: ['sh', '-c', 'kill -9 $$'], memoryGb: 0.125 });
    assert.equal(result.endReason, 'EXITED');
    assert.equal(result.exitCode, 137);
    assert.match(result.message, /SIGKILL.*not flagged as out of memory.*0\.125 GB/);
  });

  test('docker executor stops a job past its maximum runtime as TIMED_OUT', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const began = Date.now();
    const { result, hooks } = await h.run({
      command: ['sh', '-c', 'echo started; sleep 30'],
      maxRuntimeS: 1,
    });
    assert.equal(result.endReason, 'TIMED_OUT');
    assert.equal(result.message, 'stopped after max runtime 1 s');
    assert.equal(hooks.out, 'started\n');
    // Stopped at 1 s; SIGTERM ends sleep (docker-init passes it on) well within the grace.
    assert.ok(Date.now() - began < 8000, `took ${Date.now() - began} ms`);
  });

  test('docker executor stops a cancelled container and reports CANCELLED', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const { execution, hooks } = h.start({ command: ['sleep', '30'] });
    await until('the container to start', async () => (hooks.startedAtMs > 0 ? true : undefined));
    execution.cancel('by test');
    const result = await execution.done;
    assert.equal(result.endReason, 'CANCELLED');
    assert.equal(result.message, 'cancelled: by test');
    execution.release?.();
  });

  test('docker executor kills a job that ignores SIGTERM once the grace period ends', async (t) => {
    const h = await harness(t, { init: false });
    if (!h) return;
    // PID 1 without a handler ignores SIGTERM: only the kill after the grace ends it.
    const { execution, hooks } = h.start({ command: ['sh', '-c', 'echo up; sleep 30'] });
    await until('output', async () => (hooks.out === 'up\n' ? true : undefined));
    const began = Date.now();
    execution.cancel('by test');
    const result = await execution.done;
    assert.equal(result.endReason, 'CANCELLED');
    assert.equal(result.exitCode, 137);
    assert.ok(Date.now() - began >= 900, `killed after ${Date.now() - began} ms`);
    execution.release?.();
  });

  test('docker executor cancels a job before its container starts', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const { execution } = h.start({ command: ['sleep', '30'] });
    execution.cancel('early');
    const result = await execution.done;
    assert.equal(result.endReason, 'CANCELLED');
    await until('the container to be gone', async () =>
      (await h.containers()).length === 0 ? true : undefined,
    );
  });

  test('docker executor fails a job with an unpullable image as IMAGE_UNAVAILABLE', async (t) => {
    const h = await harness(t);
    if (!h) return;
    // A registry on a closed loopback port: the pull fails at once, nothing leaves the host.
    const image = '127.0.0.1:9/tgp-missing:none';
    const { result, hooks } = await h.run({ image });
    assert.equal(result.endReason, 'IMAGE_UNAVAILABLE');
    assert.match(result.message, /^image 127\.0\.0\.1:9\/tgp-missing:none is not on this node/);
    assert.match(result.message, /connection refused|connect/i);
    assert.equal(hooks.progress[0]?.type, 'PULLING_IMAGE');
    assert.equal(hooks.startedAtMs, 0);

    // The executor is unharmed: the next job runs.
    const next = await h.run({ command: ['echo', 'still fine'] });
    assert.equal(next.hooks.out, 'still fine\n');
  });

  test('docker executor passes a GPU request on to the engine', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const { result } = await h.run({ gpuCount: 1 });
    // A host with the nvidia runtime runs it; these machines have none, and the engine
    // says so, which shows the device request reached it.
    if (result.endReason !== 'EXITED') {
      assert.equal(result.endReason, 'START_FAILED');
      assert.match(result.message, /device driver "nvidia"/);
    }
    await until('the container to be gone', async () =>
      (await h.containers()).length === 0 ? true : undefined,
    );
  });

  test('docker executor applies the strict sandbox and labels the container', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const { execution } = h.start({ command: ['sleep', '30'], attempt: 2 });
    const [listed] = await until('the container', async () => {
      const all = await h.containers();
      return all.length > 0 ? all : undefined;
    });
    assert.ok(listed);
    // Under load the engine may list a container it is still registering: ask until it
    // answers for it.
    const info = await until('the container to be inspectable', () =>
      h.engine.docker.getContainer(listed.Id).inspect(),
    );
    const host = info.HostConfig;
    assert.equal(host.Privileged, false);
    assert.deepEqual(host.CapDrop, ['ALL']);
    assert.deepEqual(host.SecurityOpt, ['no-new-privileges']);
    assert.equal(host.NetworkMode, 'none');
    assert.equal(host.Memory, host.MemorySwap);
    assert.equal(host.NanoCpus, 1e9);
    assert.deepEqual(host.Binds ?? [], []);
    assert.equal(info.Config.Labels[LABEL.nodeId], h.nodeId);
    assert.equal(info.Config.Labels[LABEL.attempt], '2');
    assert.match(info.Config.Labels[LABEL.jobId] ?? '', /^job-/);
    execution.cancel('done looking');
    await execution.done;
    execution.release?.();
  });

  test('docker executor runs as the configured user on a read-only root filesystem', async (t) => {
    const h = await harness(t, { user: '65534:65534', readOnlyRootfs: true });
    if (!h) return;
    const { result, hooks } = await h.run({
      command: [
        'sh',
        '-c',
        'id -u; touch /root-file 2>/dev/null && echo rootfs-writable; ' +
          'touch /tmp/ok && echo tmp-writable',
      ],
    });
    assert.equal(result.exitCode, 0, hooks.err);
    assert.equal(hooks.out, '65534\ntmp-writable\n');
  });

  test('docker executor removes a finished container only once released', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const { execution } = h.start({ command: ['true'] });
    await execution.done;
    assert.equal((await h.containers()).length, 1);
    execution.release?.();
    await until('the container to be removed', async () =>
      (await h.containers()).length === 0 ? true : undefined,
    );
  });

  test('docker executor adopts a running container and follows it to the end', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const { hooks: first } = h.start({
      command: ['sh', '-c', 'echo before; sleep 1.5; echo after; exit 4'],
      attempt: 3,
    });
    await until('the first line', async () => (first.out === 'before\n' ? true : undefined));

    // A new executor for the same node, as a restarted agent builds it.
    const again = new DockerExecutor({ dockerHost: h.engine.dockerHost, nodeId: h.nodeId });
    const hooks = new Recorder();
    const adopted = await again.adopt(() => hooks);
    assert.equal(adopted.length, 1);
    const [run] = adopted;
    assert.equal(run?.attempt, 3);
    const result = await run!.execution.done;
    assert.equal(result.endReason, 'EXITED');
    assert.equal(result.exitCode, 4);
    // The whole output, replayed from the start, so the scheduler can keep what it lacks.
    assert.equal(hooks.out, 'before\nafter\n');
    assert.ok(hooks.startedAtMs > 0);
    run!.execution.release?.();
  });

  test('docker executor reports a container that finished while no agent ran', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const { execution } = h.start({ command: ['sh', '-c', 'echo bye; exit 7'] });
    await execution.done;

    const again = new DockerExecutor({ dockerHost: h.engine.dockerHost, nodeId: h.nodeId });
    const hooks = new Recorder();
    const [run, ...more] = await again.adopt(() => hooks);
    assert.equal(more.length, 0);
    const result = await run!.execution.done;
    assert.equal(result.endReason, 'EXITED');
    assert.equal(result.exitCode, 7);
    assert.equal(hooks.out, 'bye\n');
    run!.execution.release?.();
    await until('the container to be removed', async () =>
      (await h.containers()).length === 0 ? true : undefined,
    );
  });

  test('docker executor adopts only its own node and the newest attempt of a job', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const other = await harness(t);
    if (!other) return;
    const jobId = uniqueId('job');
    const old = h.start({ jobId, attempt: 1, command: ['sleep', '30'] });
    const current = h.start({ jobId, attempt: 2, command: ['sh', '-c', 'sleep 0.5; echo two'] });
    const foreign = other.start({ command: ['sleep', '30'] });
    await until('all three to start', async () =>
      old.hooks.startedAtMs && current.hooks.startedAtMs && foreign.hooks.startedAtMs
        ? true
        : undefined,
    );

    const again = new DockerExecutor({ dockerHost: h.engine.dockerHost, nodeId: h.nodeId });
    const adopted = await again.adopt(() => new Recorder());
    assert.deepEqual(
      adopted.map((a) => [a.jobId, a.attempt]),
      [[jobId, 2]],
    );
    // The superseded attempt is gone; the other node's container is untouched.
    const left = await h.containers();
    assert.deepEqual(
      left.map((c) => c.Labels[LABEL.attempt]),
      ['2'],
    );
    assert.equal((await other.containers()).length, 1);
    await adopted[0]!.execution.done;
    foreign.execution.cancel('done');
    await foreign.execution.done;
  });

  test('docker executor reports the engine and its capacity when probed', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const probe = await h.executor.probe();
    assert.equal(probe.available, true);
    assert.match(probe.detail, /^engine \d+\.\d+/);
    assert.ok((h.executor.engine?.cpuCores ?? 0) > 0);
    assert.ok((h.executor.engine?.memoryGb ?? 0) > 0);

    const nowhere = new DockerExecutor({ dockerHost: 'unix:///nonexistent/docker.sock' });
    const absent = await nowhere.probe();
    assert.equal(absent.available, false);
    assert.match(absent.detail, /no Docker engine answers/);
  });
});
