/**
 * Real processes for integration tests: a scheduler (`tgp scheduler`) and workers
 * (`tgp worker`) started from bin/tgp.mjs, talking gRPC over loopback, each in a temporary
 * data directory. Every process is killed when the test's `after` hook calls `stopAll`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchedulerApi } from '../../src/api/client.js';
import { JobSpec, JobState, type Job } from '../../src/api/gen/tgp/v1/tgp.js';

export const BIN = fileURLToPath(new URL('../../bin/tgp.mjs', import.meta.url));

/** A child process with what it printed, kept for failure messages. */
export interface Daemon {
  child: ChildProcess;
  output: string[];
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

function launch(args: string[], env: NodeJS.ProcessEnv = {}): Daemon {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TGP_LOG_LEVEL: 'info', ...env },
  });
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(chunk.toString());
    if (output.length > 400) output.splice(0, 100);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { child, output, exited };
}

/** Waits until `predicate` holds, polling every `stepMs`; fails with `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  predicate: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  stepMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const cause = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** What a test worker registers as; unset capacity fields get small defaults. */
export interface WorkerSpec {
  nodeId: string;
  cpuCores?: number;
  memoryGb?: number;
  gpuCount?: number;
  gpuModel?: string;
  pricePerHourUsd?: number;
  opportunityCostPerHourUsd?: number;
  location?: string;
  labels?: Record<string, string>;
  executors?: string[];
  startupMs?: number;
  rttMs?: number;
  [key: string]: unknown;
}

export interface SchedulerSettings {
  heartbeatIntervalMs?: number;
  nodeLostAfterMs?: number;
  maxAttempts?: number;
  logCapBytes?: number;
  transfer?: unknown;
}

/** A scheduler and its workers as real processes, with a client connected to it. */
export class TestGrid {
  readonly dir = mkdtempSync(join(tmpdir(), 'tgp-grid-'));
  readonly dataDir = join(this.dir, 'scheduler');
  scheduler: Daemon | undefined;
  address = '';
  api: SchedulerApi | undefined;
  readonly workers = new Map<string, Daemon>();
  private port = 0;

  constructor(private readonly settings: SchedulerSettings = {}) {}

  /** Starts (or restarts, on the same port and data) the scheduler and waits until it serves. */
  async startScheduler(): Promise<void> {
    const { transfer, ...scheduler } = {
      heartbeatIntervalMs: 500,
      nodeLostAfterMs: 3000,
      ...this.settings,
    };
    const file = join(this.dir, 'scheduler.json');
    writeFileSync(file, JSON.stringify({ scheduler, transfer }));
    const listen = `127.0.0.1:${this.port}`;
    const daemon = launch([
      'scheduler',
      '--config',
      file,
      '--listen',
      listen,
      '--data-dir',
      this.dataDir,
    ]);
    this.scheduler = daemon;
    const port = await until('the scheduler to serve', () => {
      for (const line of daemon.output.join('').split('\n')) {
        const m = /"msg":"scheduler serving"/.test(line) ? /"port":(\d+)/.exec(line) : null;
        if (m?.[1]) return Number(m[1]);
      }
      if (daemon.child.exitCode !== null) throw new Error(`scheduler exited: ${this.logs()}`);
      return undefined;
    });
    this.port = port;
    this.address = `127.0.0.1:${port}`;
    this.api?.close();
    this.api = new SchedulerApi(this.address, 10_000);
  }

  /** The client; startScheduler must have run. */
  get client(): SchedulerApi {
    if (!this.api) throw new Error('scheduler not started');
    return this.api;
  }

  /** Starts a worker process and waits until the scheduler counts it READY. */
  async startWorker(spec: WorkerSpec, wait = true): Promise<Daemon> {
    const config = {
      cpuCores: 2,
      memoryGb: 2,
      location: 'local',
      executors: ['process'],
      startupMs: 10,
      rttMs: 1,
      dataDir: join(this.dir, `worker-${spec.nodeId}`),
      ...spec,
      scheduler: this.address,
    };
    const file = join(this.dir, `${spec.nodeId}.json`);
    writeFileSync(file, JSON.stringify(config));
    const daemon = launch(['worker', '--config', file]);
    this.workers.set(spec.nodeId, daemon);
    if (wait) await this.waitForReady([spec.nodeId]);
    return daemon;
  }

  /** Waits until every node in `nodeIds` is READY. */
  async waitForReady(nodeIds: string[]): Promise<void> {
    await until(`nodes ${nodeIds.join(', ')} to be READY`, async () => {
      const status = await this.client.clusterStatus();
      const ready = new Set(status.nodes.filter((n) => n.state === 1).map((n) => n.nodeId));
      return nodeIds.every((id) => ready.has(id));
    });
  }

  /** Submits a job built from `partial` over the defaults of a small quick job. */
  async submit(partial: Partial<JobSpec>): Promise<Job> {
    const spec = JobSpec.fromPartial({
      cpuCores: 1,
      memoryGb: 1,
      expectedDurationS: 60,
      maxBudgetUsd: 10,
      ...partial,
    });
    const res = await this.client.submitJob({ spec });
    if (!res.job) throw new Error('submit returned no job');
    return res.job;
  }

  /** Waits until the job reaches one of `states` (a terminal state by default). */
  waitForState(
    jobId: string,
    states: JobState[] = [JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED],
    timeoutMs = 30_000,
  ): Promise<Job> {
    return until(
      `job ${jobId} to reach ${states.map((s) => JobState[s]).join('/')}`,
      async () => {
        const job = await this.client.getJob({ jobId, includeEvents: true });
        return states.includes(job.state) ? job : undefined;
      },
      timeoutMs,
    );
  }

  /** Concatenated stdout of a finished job. */
  async output(jobId: string, stream = 'stdout'): Promise<string> {
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = this.client.getLogs({ jobId, follow: false });
      call.on('data', (c: { stream: string; data: Buffer }) => {
        if (c.stream === stream) chunks.push(Buffer.from(c.data));
      });
      call.on('end', () => resolve());
      call.on('error', reject);
    });
    return Buffer.concat(chunks).toString();
  }

  /** Kills the scheduler with SIGKILL and waits for it to be gone. */
  async killScheduler(): Promise<void> {
    const daemon = this.scheduler;
    if (!daemon) return;
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    this.scheduler = undefined;
  }

  async killWorker(nodeId: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const daemon = this.workers.get(nodeId);
    if (!daemon) return;
    daemon.child.kill(signal);
    await daemon.exited;
    this.workers.delete(nodeId);
  }

  /** Recent output of every process, for assertion messages. */
  logs(): string {
    const parts = [`--- scheduler\n${this.scheduler?.output.join('').slice(-4000) ?? ''}`];
    for (const [id, w] of this.workers) parts.push(`--- ${id}\n${w.output.join('').slice(-2000)}`);
    return parts.join('\n');
  }

  /** Kills every process and removes the temporary directory. */
  async stopAll(): Promise<void> {
    this.api?.close();
    const all = [...this.workers.values(), ...(this.scheduler ? [this.scheduler] : [])];
    for (const d of all) if (d.child.exitCode === null) d.child.kill('SIGKILL');
    await Promise.all(all.map((d) => d.exited));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
