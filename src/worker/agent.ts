/**
 * The worker agent: registers its node, keeps an assignment stream open to the scheduler,
 * heartbeats, runs what it is assigned through an executor and reports every step with
 * the job's attempt number. It reconnects by itself after any break, adopts runs that
 * outlived an earlier agent, and re-sends endings the scheduler may not have received.
 */
import { credentials, status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  WorkerServiceClient,
  type Assignment,
  type HeartbeatResponse,
  type JobFinishedReport,
  type JobSpec,
  type RegisterRequest,
  type RegisterResponse,
  type Resources,
  type SchedulerMessage,
  type WorkerMessage,
} from '../api/gen/tgp/v1/tgp.js';
import type { WorkerConfig } from '../config/config.js';
import type {
  Execution,
  ExecutionHooks,
  ExecutionResult,
  Executor,
} from '../executors/executor.js';
import type { Logger } from '../util/log.js';

export const AGENT_VERSION = '0.1.0';

interface Run {
  jobId: string;
  attempt: number;
  execution: Execution;
  /** What the run was granted; unknown for a run adopted before its assignment is seen. */
  demand?: Resources;
}

/** Longest wait between reconnection tries, milliseconds. */
const MAX_BACKOFF_MS = 5000;

/** Output of one run kept until the scheduler confirms its ending, bytes; past it the tail. */
const OUTPUT_KEPT_BYTES = 4 * 1024 * 1024;

/**
 * A run's output, kept so that what a broken stream dropped can be sent again. Offsets count
 * bytes of the run's whole output, stdout and stderr together.
 */
interface OutputBuffer {
  attempt: number;
  chunks: { stream: 'stdout' | 'stderr'; data: Buffer; offset: number }[];
  keptBytes: number;
  totalBytes: number;
}

export class WorkerAgent {
  private readonly client: WorkerServiceClient;
  private readonly runs = new Map<string, Run>();
  /** Endings not yet known to be received by the scheduler, by job id. */
  private readonly outbox = new Map<string, JobFinishedReport>();
  /** Output of live runs and of unconfirmed endings, by job id. */
  private readonly outputs = new Map<string, OutputBuffer>();
  /** Ended executions to release once their ending is confirmed, by job id and attempt. */
  private readonly releasable = new Map<string, Execution>();
  /** Start times of live runs, by job id and attempt, re-sent after reconnecting. */
  private readonly startedAt = new Map<string, number>();
  private stream: ClientDuplexStream<WorkerMessage, SchedulerMessage> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatIntervalMs = 10_000;
  private stopped = false;
  private connecting: Promise<void> | undefined;
  private backoffMs = 200;

  constructor(
    private readonly config: WorkerConfig,
    private readonly capacity: RegisterRequest['capacity'],
    private readonly executors: Map<string, Executor>,
    private readonly log: Logger,
  ) {
    this.client = new WorkerServiceClient(config.scheduler, credentials.createInsecure());
  }

  get nodeId(): string {
    return this.config.nodeId;
  }

  /** Adopts surviving runs, then connects; resolves after the first registration. */
  async start(): Promise<void> {
    for (const executor of this.executors.values()) {
      const adopted = await executor.adopt((jobId, attempt) => this.hooks(jobId, attempt));
      for (const a of adopted) {
        this.log.info({ jobId: a.jobId, attempt: a.attempt }, 'run adopted');
        this.track({ jobId: a.jobId, attempt: a.attempt, execution: a.execution });
      }
    }
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.stream?.end();
    this.client.close();
    await Promise.resolve();
  }

  /** Registers and opens the stream; on failure retries with growing backoff. */
  private connect(): Promise<void> {
    this.connecting ??= this.connectLoop().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connectLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        const response = await this.register();
        this.heartbeatIntervalMs = Number(response.heartbeatIntervalMs) || this.heartbeatIntervalMs;
        this.openStream(response.assigned);
        this.backoffMs = 200;
        this.scheduleHeartbeat(0);
        return;
      } catch (err) {
        const e = err as ServiceError;
        // A refusal of the registration itself will not heal by retrying as it is.
        if (e.code === status.INVALID_ARGUMENT || e.code === status.ALREADY_EXISTS) throw err;
        this.log.warn(
          { err: e.details ?? e.message, retryInMs: this.backoffMs },
          'scheduler unreachable',
        );
        await sleep(this.backoffMs);
        this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
      }
    }
  }

  private register(): Promise<RegisterResponse> {
    const c = this.config;
    const request: RegisterRequest = {
      nodeId: c.nodeId,
      capacity: this.capacity,
      pricePerHourUsd: c.pricePerHourUsd,
      opportunityCostPerHourUsd: c.opportunityCostPerHourUsd,
      location: c.location,
      labels: c.labels,
      executors: [...this.executors.keys()],
      startupMs: c.startupMs,
      rttMs: c.rttMs,
      agentVersion: AGENT_VERSION,
    };
    return new Promise((resolve, reject) =>
      this.client.register(request, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  private openStream(assigned: Assignment[]): void {
    const stream = this.client.connect();
    this.stream = stream;
    stream.write({ kind: { $case: 'hello', value: { nodeId: this.nodeId } } });

    // Output the scheduler has not got and endings it still waits for go again; runs it
    // thinks we have but we do not (this agent restarted, a child died with the old one)
    // are reported lost.
    const wanted = new Map(assigned.map((a) => [a.spec?.jobId ?? '', a]));
    // Starts it may have missed (a run adopted from an earlier agent) go first.
    for (const run of this.runs.values()) {
      const startedAtMs = this.startedAt.get(runKey(run.jobId, run.attempt));
      if (startedAtMs === undefined) continue;
      const started = { jobId: run.jobId, attempt: run.attempt, startedAtMs, message: '' };
      this.send({ kind: { $case: 'started', value: started } });
    }
    for (const [jobId, buffer] of this.outputs) {
      const want = wanted.get(jobId);
      if (want?.attempt === buffer.attempt)
        this.resendOutput(jobId, buffer, want.outputReceivedBytes);
    }
    for (const [jobId, report] of this.outbox) {
      if (wanted.get(jobId)?.attempt === report.attempt) {
        this.send({ kind: { $case: 'finished', value: report } });
      } else {
        this.confirmed(jobId);
      }
    }
    for (const a of assigned) {
      const jobId = a.spec?.jobId ?? '';
      const run = this.runs.get(jobId);
      if (run?.attempt === a.attempt && a.spec) run.demand ??= demandOf(a.spec);
      if (run?.attempt === a.attempt || this.outbox.has(jobId)) continue;
      this.send({ kind: { $case: 'finished', value: lostReport(jobId, a.attempt) } });
    }

    stream.on('data', (msg: SchedulerMessage) => this.onMessage(msg));
    const broken = (why: string): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      if (this.stopped) return;
      this.log.warn({ why }, 'assignment stream closed; reconnecting');
      void sleep(this.backoffMs).then(() => this.connect());
    };
    stream.on('error', (err: Error) => broken(err.message));
    stream.on('end', () => broken('ended by scheduler'));
  }

  /** Sends again the kept output past `receivedBytes`, oldest first. */
  private resendOutput(jobId: string, buffer: OutputBuffer, receivedBytes: number): void {
    for (const c of buffer.chunks) {
      if (c.offset + c.data.length <= receivedBytes) continue;
      const value = {
        jobId,
        attempt: buffer.attempt,
        stream: c.stream,
        data: c.data,
        offset: c.offset,
      };
      this.send({ kind: { $case: 'output', value } });
    }
  }

  /** Keeps a chunk of a run's output (the tail, past the cap) and sends it. */
  private output(jobId: string, attempt: number, stream: 'stdout' | 'stderr', data: Buffer): void {
    let buffer = this.outputs.get(jobId);
    if (buffer?.attempt !== attempt) {
      buffer = { attempt, chunks: [], keptBytes: 0, totalBytes: 0 };
      this.outputs.set(jobId, buffer);
    }
    const offset = buffer.totalBytes;
    buffer.chunks.push({ stream, data, offset });
    buffer.totalBytes += data.length;
    buffer.keptBytes += data.length;
    while (buffer.keptBytes > OUTPUT_KEPT_BYTES && buffer.chunks.length > 1) {
      buffer.keptBytes -= buffer.chunks.shift()?.data.length ?? 0;
    }
    this.send({ kind: { $case: 'output', value: { jobId, attempt, stream, data, offset } } });
  }

  private onMessage(msg: SchedulerMessage): void {
    const kind = msg.kind;
    if (kind?.$case === 'assign') this.runAssignment(kind.value);
    if (kind?.$case === 'cancel') {
      const run = this.runs.get(kind.value.jobId);
      if (run?.attempt === kind.value.attempt) run.execution.cancel(kind.value.reason);
    }
  }

  private runAssignment(a: Assignment): void {
    const spec = a.spec;
    if (!spec) return;
    const existing = this.runs.get(spec.jobId);
    // The scheduler re-sends assignments after reconnecting; one run per attempt.
    if (existing?.attempt === a.attempt || this.outbox.get(spec.jobId)?.attempt === a.attempt)
      return;
    existing?.execution.cancel('superseded by a newer attempt');

    const log = this.log.child({ jobId: spec.jobId, attempt: a.attempt });
    const executorName = spec.image === '' ? 'process' : 'docker';
    const executor = this.executors.get(executorName);
    if (!executor) {
      const message = `node ${this.nodeId} has no ${executorName} executor`;
      this.finished(spec.jobId, a.attempt, failedResult('START_FAILED', message));
      return;
    }

    log.info({ executor: executorName }, 'run starting');
    const execution = executor.start(
      {
        jobId: spec.jobId,
        attempt: a.attempt,
        image: spec.image,
        command: spec.command,
        env: {
          ...spec.env,
          TGP_JOB_ID: spec.jobId,
          TGP_NODE_ID: this.nodeId,
          TGP_ATTEMPT: String(a.attempt),
        },
        workdir: spec.workdir,
        cpuCores: spec.cpuCores,
        memoryGb: spec.memoryGb,
        gpuCount: spec.gpuCount,
        maxRuntimeS: a.maxRuntimeS,
      },
      this.hooks(spec.jobId, a.attempt),
    );
    this.track({ jobId: spec.jobId, attempt: a.attempt, execution, demand: demandOf(spec) });
  }

  private track(run: Run): void {
    this.runs.set(run.jobId, run);
    void run.execution.done.then((result) => {
      if (this.runs.get(run.jobId) === run) this.runs.delete(run.jobId);
      this.startedAt.delete(runKey(run.jobId, run.attempt));
      this.releasable.set(runKey(run.jobId, run.attempt), run.execution);
      this.finished(run.jobId, run.attempt, result);
    });
  }

  private finished(jobId: string, attempt: number, result: ExecutionResult): void {
    const report: JobFinishedReport = {
      jobId,
      attempt,
      exitCode: result.exitCode,
      endReason: result.endReason,
      message: result.message,
      runtimeS: result.runtimeS,
      finishedAtMs: result.finishedAtMs,
    };
    this.log.info(
      { jobId, attempt, endReason: result.endReason, exitCode: result.exitCode },
      'run ended',
    );
    // An unconfirmed ending of an earlier attempt is superseded: the scheduler refuses it.
    const previous = this.outbox.get(jobId);
    if (previous && previous.attempt !== attempt) this.confirmed(jobId);
    this.outbox.set(jobId, report);
    this.send({ kind: { $case: 'finished', value: report } });
  }

  /**
   * The scheduler has the ending of `jobId` (or no longer wants it): its kept output is
   * dropped and what the run left behind (a stopped container) is released.
   */
  private confirmed(jobId: string): void {
    const report = this.outbox.get(jobId);
    this.outbox.delete(jobId);
    if (this.outputs.get(jobId)?.attempt === report?.attempt) this.outputs.delete(jobId);
    if (!report) return;
    const key = runKey(jobId, report.attempt);
    this.releasable.get(key)?.release?.();
    this.releasable.delete(key);
  }

  private hooks(jobId: string, attempt: number): ExecutionHooks {
    return {
      onStarted: (startedAtMs) => {
        this.startedAt.set(runKey(jobId, attempt), startedAtMs);
        this.send({
          kind: { $case: 'started', value: { jobId, attempt, startedAtMs, message: '' } },
        });
      },
      onOutput: (stream, data) => this.output(jobId, attempt, stream, data),
      onProgress: (type, message) =>
        this.send({ kind: { $case: 'progress', value: { jobId, attempt, type, message } } }),
    };
  }

  /** Sends on the stream when it is open; what is lost meanwhile is covered by re-sends. */
  private send(message: WorkerMessage): void {
    this.stream?.write(message);
  }

  private scheduleHeartbeat(delayMs: number): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    if (this.stopped) return;
    this.heartbeatTimer = setTimeout(() => void this.heartbeat(), delayMs);
  }

  /** Capacity less what the runs this agent knows of were granted. */
  private free(): Resources | undefined {
    const cap = this.capacity;
    if (!cap) return undefined;
    const free = { ...cap };
    for (const run of this.runs.values()) {
      if (!run.demand) continue;
      free.cpuCores -= run.demand.cpuCores;
      free.memoryGb -= run.demand.memoryGb;
      free.gpuCount = Math.max(0, free.gpuCount - run.demand.gpuCount);
      free.diskGb -= run.demand.diskGb;
    }
    return free;
  }

  private async heartbeat(): Promise<void> {
    // Runs still going, plus endings not yet confirmed: the scheduler's reply lists those
    // it no longer counts as running, which for an ending means it has been received.
    const running = [...this.runs.values()].map((r) => ({ jobId: r.jobId, attempt: r.attempt }));
    const unconfirmed = [...this.outbox.values()].map((r) => ({
      jobId: r.jobId,
      attempt: r.attempt,
    }));
    try {
      const res = await new Promise<HeartbeatResponse>((resolve, reject) =>
        this.client.heartbeat(
          { nodeId: this.nodeId, free: this.free(), running: [...running, ...unconfirmed] },
          (err, r) => (err ? reject(err) : resolve(r)),
        ),
      );
      const stop = new Set(res.stop.map((r) => runKey(r.jobId, r.attempt)));
      for (const run of this.runs.values()) {
        if (stop.has(runKey(run.jobId, run.attempt))) {
          run.execution.cancel('the scheduler no longer wants this run');
        }
      }
      for (const report of [...this.outbox.values()]) {
        if (stop.has(runKey(report.jobId, report.attempt))) {
          this.confirmed(report.jobId);
        } else {
          this.send({ kind: { $case: 'finished', value: report } });
        }
      }
    } catch (err) {
      const e = err as ServiceError;
      this.log.warn({ err: e.details ?? e.message }, 'heartbeat failed');
      if (e.code === status.NOT_FOUND) void this.connect();
    }
    this.scheduleHeartbeat(this.heartbeatIntervalMs);
  }
}

function runKey(jobId: string, attempt: number): string {
  return `${jobId}#${attempt}`;
}

/** The resources a job's spec asks for. */
function demandOf(spec: JobSpec): Resources {
  const { cpuCores, memoryGb, gpuCount, gpuModel, diskGb } = spec;
  return { cpuCores, memoryGb, gpuCount, gpuModel, diskGb };
}

function lostReport(jobId: string, attempt: number): JobFinishedReport {
  return {
    jobId,
    attempt,
    exitCode: -1,
    endReason: 'LOST',
    message: 'the worker has no record of this run (it restarted)',
    runtimeS: 0,
    finishedAtMs: Date.now(),
  };
}

function failedResult(endReason: ExecutionResult['endReason'], message: string): ExecutionResult {
  const now = Date.now();
  return { exitCode: -1, endReason, message, runtimeS: 0, startedAtMs: now, finishedAtMs: now };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
