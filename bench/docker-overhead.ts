/**
 * What the worker adds to a container's life: for a job that runs `true`, the time from the
 * worker receiving the assignment to the container running, and to its exit reported to the
 * scheduler, beside a plain `docker run --rm --network none IMAGE true` timed in the same
 * run, on the same engine. Goal: TGP's path within 1.2x of `docker run` at the median.
 *
 *   npm run bench -- docker
 *
 * The engine is DOCKER_HOST's, else the throwaway one of scripts/start-dockerd.sh (started
 * when needed). bench/main.ts prints the figures and writes bench/results/docker.json.
 *
 * What each side counts: `docker run` includes the CLI's own start-up and, with --rm, the
 * container's removal; TGP's path includes the report's trip to the scheduler but not the
 * removal, which waits for the scheduler's confirmation (the next heartbeat) by design.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { SchedulerApi } from '../src/api/client.js';
import { JobSpec, JobState } from '../src/api/gen/tgp/v1/tgp.js';
import { schedulerConfig, workerConfig } from '../src/config/config.js';
import { DockerExecutor, dockerodeOptions } from '../src/executors/docker.js';
import type {
  Execution,
  ExecutionHooks,
  ExecutionRequest,
  Executor,
} from '../src/executors/executor.js';
import { startScheduler } from '../src/scheduler/daemon.js';
import { createLogger } from '../src/util/log.js';
import { WorkerAgent } from '../src/worker/agent.js';

const IMAGE = 'tgp-busybox:test';
const GOAL_RATIO = 1.2;
const SCRIPT = fileURLToPath(new URL('../scripts/start-dockerd.sh', import.meta.url));

interface Spread {
  medianMs: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
}

export interface DockerOverheadResult {
  runs: number;
  image: string;
  dockerHost: string;
  engineVersion: string;
  cpuCount: number;
  /** Assignment received by the worker to the container running (start returned). */
  tgpToRunning: Spread;
  /** Assignment received by the worker to the exit received by the scheduler. */
  tgpToExitReported: Spread;
  /** `docker run --rm --network none IMAGE true`, spawn to exit of the CLI. */
  dockerRun: Spread;
  /** tgpToExitReported's median over dockerRun's median. */
  ratioAtMedian: number;
  goalRatio: number;
  withinGoal: boolean;
}

/** Times, by job id, of what the worker's docker executor did (Date.now() milliseconds). */
interface Marks {
  assignedMs: number;
  runningMs: number;
}

/** The docker executor, with the moments of each execution written down. */
class TimedExecutor implements Executor {
  readonly name = 'docker';
  readonly marks = new Map<string, Marks>();

  constructor(private readonly inner: DockerExecutor) {}

  probe(): ReturnType<Executor['probe']> {
    return this.inner.probe();
  }

  adopt(hooksFor: Parameters<Executor['adopt']>[0]): ReturnType<Executor['adopt']> {
    return this.inner.adopt(hooksFor);
  }

  start(request: ExecutionRequest, hooks: ExecutionHooks): Execution {
    const marks: Marks = { assignedMs: Date.now(), runningMs: 0 };
    this.marks.set(request.jobId, marks);
    return this.inner.start(request, {
      ...hooks,
      onStarted: (startedAtMs) => {
        marks.runningMs = Date.now();
        hooks.onStarted(startedAtMs);
      },
    });
  }
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (v: number): number => Math.round(v * 10) / 10;
  return {
    medianMs: round(at(0.5)),
    p90Ms: round(at(0.9)),
    minMs: round(sorted[0] ?? 0),
    maxMs: round(sorted[sorted.length - 1] ?? 0),
  };
}

/** DOCKER_HOST when it answers, else the engine of scripts/start-dockerd.sh. */
async function findEngine(): Promise<string> {
  const given = process.env.DOCKER_HOST;
  if (given) {
    try {
      await new Docker(dockerodeOptions(given)).ping();
      return given;
    } catch {
      // Falls through to the script's own engine.
    }
  }
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('bash', [SCRIPT], (err, out, errOut) =>
      err ? reject(new Error(`start-dockerd.sh failed: ${errOut}`)) : resolve(out),
    ),
  );
  const line = stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('DOCKER_HOST=')) throw new Error(`start-dockerd.sh printed ${line}`);
  return line.slice('DOCKER_HOST='.length);
}

/** One `docker run`, timed from spawn to the CLI's exit, milliseconds. */
function plainDockerRun(dockerHost: string): Promise<number> {
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['run', '--rm', '--network', 'none', IMAGE, 'true'], {
      env: { ...process.env, DOCKER_HOST: dockerHost },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(performance.now() - began)
        : reject(new Error(`docker run exited ${code}: ${stderr}`)),
    );
  });
}

export async function runDockerOverheadBench(runs = 20): Promise<DockerOverheadResult> {
  const dockerHost = await findEngine();
  const dir = mkdtempSync(join(tmpdir(), 'tgp-bench-docker-'));
  const quiet = createLogger('bench', 'silent');
  const grid = await startScheduler(
    schedulerConfig({ listen: '127.0.0.1:0', dataDir: join(dir, 'scheduler') }, {}, {}),
    quiet,
  );
  const address = `127.0.0.1:${grid.server.port}`;
  const nodeId = 'bench-docker';
  const docker = new DockerExecutor({ dockerHost, nodeId });
  const probe = await docker.probe();
  if (!probe.available) throw new Error(probe.detail);
  const timed = new TimedExecutor(docker);
  const config = workerConfig(
    { scheduler: address, nodeId, executors: ['docker'], dataDir: join(dir, 'worker') },
    {},
    {},
  );
  const capacity = { cpuCores: 2, memoryGb: 2, gpuCount: 0, gpuModel: '', diskGb: 10 };
  const agent = new WorkerAgent(config, capacity, new Map([['docker', timed]]), quiet);
  await agent.start();
  const api = new SchedulerApi(address);

  /** One job through the grid; returns the worker-side figures in milliseconds. */
  const viaTgp = async (jobId: string): Promise<{ runningMs: number; reportedMs: number }> => {
    const spec = JobSpec.fromPartial({
      jobId,
      image: IMAGE,
      command: ['true'],
      cpuCores: 1,
      memoryGb: 0.25,
      expectedDurationS: 1,
      maxBudgetUsd: 1,
    });
    await api.submitJob({ spec });
    // The watch sends the whole history first, so a job that already ended is seen too.
    const events = await api.waitForEnd(jobId);
    const last = events[events.length - 1];
    if (last?.state !== JobState.SUCCEEDED) throw new Error(`${jobId}: ${last?.message ?? '?'}`);
    const marks = timed.marks.get(jobId);
    if (!marks) throw new Error(`${jobId}: the executor never saw it`);
    return {
      runningMs: marks.runningMs - marks.assignedMs,
      reportedMs: Number(last.atMs) - marks.assignedMs,
    };
  };

  try {
    // Warm both paths (engine caches, the CLI binary in the page cache, JIT).
    for (let i = 0; i < 3; i++) {
      await viaTgp(`warm-${i}`);
      await plainDockerRun(dockerHost);
    }
    const running: number[] = [];
    const reported: number[] = [];
    const plain: number[] = [];
    // Interleaved, so both paths see the same engine and machine load.
    for (let i = 0; i < runs; i++) {
      const t = await viaTgp(`run-${i}`);
      running.push(t.runningMs);
      reported.push(t.reportedMs);
      plain.push(await plainDockerRun(dockerHost));
    }

    const info = (await docker.docker.version()) as { Version?: string };
    const tgpToExitReported = spread(reported);
    const dockerRun = spread(plain);
    const ratioAtMedian =
      Math.round((tgpToExitReported.medianMs / dockerRun.medianMs) * 1000) / 1000;
    return {
      runs,
      image: IMAGE,
      dockerHost,
      engineVersion: info.Version ?? '',
      cpuCount: cpus().length,
      tgpToRunning: spread(running),
      tgpToExitReported,
      dockerRun,
      ratioAtMedian,
      goalRatio: GOAL_RATIO,
      withinGoal: ratioAtMedian <= GOAL_RATIO,
    };
  } finally {
    api.close();
    await agent.stop();
    await grid.stop();
    // Containers still waiting for their ending's confirmation go with the bench.
    const left = await docker.docker.listContainers({
      all: true,
      filters: { label: [`tgp.node-id=${nodeId}`] },
    });
    for (const c of left) await docker.docker.getContainer(c.Id).remove({ force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
