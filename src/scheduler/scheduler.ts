/**
 * The scheduler's core: jobs, nodes, the pending queue and every lifecycle transition.
 *
 * Memory holds the working state; each transition is made in memory, added to the write
 * queue, and acknowledged (or acted on, as an assignment sent to a worker) only once the
 * batch holding it is durable. Every run of a job carries an attempt number that the worker
 * echoes; reports for any other attempt are refused, so a job counts one run however often
 * it was started (at-least-once execution).
 */
import type { Assignment, JobSpec, SchedulerMessage } from '../api/gen/tgp/v1/tgp.js';
import { priceJob } from '../cost/formula.js';
import type { TransferPrices } from '../cost/transfer.js';
import { TgpError } from '../errors.js';
import { place } from '../placement/pipeline.js';
import type { Decision, PlacementJob, ResourceAmounts } from '../placement/types.js';
import type { Store, StoredEvent } from '../store/store.js';
import { WriteQueue } from '../store/write-queue.js';
import type { Logger } from '../util/log.js';
import { EventBus } from './event-bus.js';
import {
  isTerminal,
  type JobRecord,
  type JobStateName,
  type PlacementRecord,
} from './job-record.js';
import { NodeEntry, registrationConflict, type NodeRegistration } from './node-registry.js';
import { PendingQueue } from './queue.js';
import { DEFAULT_JOB, sameSpec, validateJobSpec, type JobDefaults } from './validate.js';

export interface SchedulerOptions {
  heartbeatIntervalMs: number;
  /** A node silent this long is lost; its jobs are placed again. */
  nodeLostAfterMs: number;
  /** Runs a job may lose with their node before it fails. */
  maxAttempts: number;
  /** Output kept per job, bytes; past it the tail is kept. */
  logCapBytes: number;
  /** Verdicts kept in a job's placement record (the chosen node first). */
  verdictsKept: number;
  jobDefaults: JobDefaults;
  transfer: TransferPrices;
  logger: Logger;
}

/** The scheduler's end of a worker's assignment stream. */
export interface WorkerLink {
  send(message: SchedulerMessage): void;
}

export interface RunningReport {
  jobId: string;
  attempt: number;
}

/** A run the scheduler believes a node has, as told to the node when it registers. */
export interface AssignedRun extends RunningReport {
  /** Bytes of the run's output already received. */
  outputReceivedBytes: number;
}

export interface FinishedReport extends RunningReport {
  exitCode: number;
  endReason: string;
  message: string;
  runtimeS: number;
  finishedAtMs: number;
}

export interface SubmitResult {
  job: JobRecord;
  created: boolean;
}

const ACTIVE: ReadonlySet<JobStateName> = new Set(['SCHEDULED', 'RUNNING']);

export class Scheduler {
  readonly jobs = new Map<string, JobRecord>();
  readonly nodes = new Map<string, NodeEntry>();
  readonly bus = new EventBus();
  private readonly pending = new PendingQueue<JobRecord>((j) => j.spec.jobId);
  private readonly links = new Map<string, WorkerLink>();
  private readonly writes: WriteQueue;
  private readonly log: Logger;
  private eventSeq = 0;
  private jobSeq = 0;
  private placementRequested = false;
  private livenessTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly store: Store,
    readonly options: SchedulerOptions,
  ) {
    this.writes = new WriteQueue(store);
    this.log = options.logger;
  }

  /** Loads the store's state and starts watching node liveness. */
  static async open(store: Store, options: SchedulerOptions): Promise<Scheduler> {
    const scheduler = new Scheduler(store, options);
    await scheduler.recover();
    scheduler.livenessTimer = setInterval(() => scheduler.checkLiveness(), 1000);
    scheduler.livenessTimer.unref();
    return scheduler;
  }

  private async recover(): Promise<void> {
    const snapshot = await this.store.load();
    this.eventSeq = snapshot.lastEventSeq;
    this.jobSeq = snapshot.lastJobSeq;

    // Nodes come back not connected; each has a full lost-after window to reconnect
    // before its jobs are placed elsewhere.
    const now = Date.now();
    for (const stored of snapshot.nodes) {
      const node = new NodeEntry(stored.record as NodeRegistration);
      node.lastHeartbeatMs = now;
      this.nodes.set(node.nodeId, node);
    }

    for (const stored of snapshot.jobs) {
      const job = stored.record as JobRecord;
      job.runOutputBytes ??= 0;
      this.jobs.set(job.spec.jobId, job);
      if (job.state === 'PENDING') this.pending.add(job, job.spec.priority);
      if (ACTIVE.has(job.state))
        this.nodes.get(job.nodeId)?.allocate(job.spec.jobId, demandOf(job));
    }
    this.log.info(
      { jobs: this.jobs.size, pending: this.pending.size, nodes: this.nodes.size },
      'state recovered',
    );
    this.requestPlacement();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    await this.writes.idle();
  }

  // ---- jobs -------------------------------------------------------------------------

  /** Accepts a job, durably, or says precisely why not. Idempotent for an equal spec. */
  async submit(input: JobSpec): Promise<SubmitResult> {
    const result = this.admit(input);
    await this.writes.flush();
    return result;
  }

  /** Submits many jobs in one durable batch; each gets its own result or error. */
  async submitMany(inputs: JobSpec[]): Promise<(SubmitResult | TgpError)[]> {
    const results = inputs.map((spec) => {
      try {
        return this.admit(spec);
      } catch (err) {
        if (err instanceof TgpError) return err;
        throw err;
      }
    });
    await this.writes.flush();
    return results;
  }

  private admit(input: JobSpec): SubmitResult {
    const spec = validateJobSpec(input, this.options.jobDefaults);
    const known = this.jobs.get(spec.jobId);
    if (known) {
      if (sameSpec(known.spec, spec)) return { job: known, created: false };
      throw new TgpError(
        'JOB_SPEC_CONFLICT',
        `job_id ${JSON.stringify(spec.jobId)} already exists with a different spec`,
        'job_id',
        spec.jobId,
      );
    }

    const decision = this.decide(spec);
    if (decision.neverFits) {
      this.log.info({ jobId: spec.jobId, reason: decision.summary }, 'job refused');
      throw new TgpError(
        'JOB_UNSCHEDULABLE',
        `job ${JSON.stringify(spec.jobId)} can never be placed: ${decision.summary}`,
      );
    }

    const job = newJob(spec, ++this.jobSeq);
    this.jobs.set(spec.jobId, job);
    this.saveJob(job);
    this.recordEvent(job, 'SUBMITTED', `cpu ${spec.cpuCores}, memory ${spec.memoryGb} GB`);

    // An idle queue takes the fast path: place now, so the reply already names the node.
    // Otherwise the job queues behind those that came first and the placement pass runs.
    if (this.pending.size === 0 && decision.chosen) {
      this.assign(job, decision);
    } else {
      this.enqueue(job, decision.summary);
      this.requestPlacement();
    }
    return { job, created: true };
  }

  get(jobId: string): JobRecord {
    const job = this.jobs.get(jobId);
    if (!job) {
      throw new TgpError(
        'JOB_NOT_FOUND',
        `no job with job_id ${JSON.stringify(jobId)}`,
        'job_id',
        jobId,
      );
    }
    return job;
  }

  /** Jobs in the given states (all when empty), newest first, at most `limit`. */
  list(states: ReadonlySet<JobStateName>, limit: number, nodeId = ''): JobRecord[] {
    const out: JobRecord[] = [];
    const all = [...this.jobs.values()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const job = all[i]!;
      if (states.size > 0 && !states.has(job.state)) continue;
      if (nodeId !== '' && job.nodeId !== nodeId) continue;
      out.push(job);
    }
    return out;
  }

  countByState(): Map<JobStateName, number> {
    const counts = new Map<JobStateName, number>();
    for (const job of this.jobs.values()) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
    return counts;
  }

  /** A dry run: every node's verdict and cost for `input`, nothing scheduled. */
  quote(input: JobSpec): Decision {
    const spec = validateJobSpec(input, this.options.jobDefaults);
    return this.decide(spec);
  }

  /** Cancels in any live state; a running job ends once its worker confirms. */
  async cancel(jobId: string): Promise<JobRecord> {
    const job = this.get(jobId);
    if (isTerminal(job.state)) {
      throw new TgpError(
        'JOB_FINISHED',
        `job ${JSON.stringify(jobId)} already ended as ${job.state}`,
        'job_id',
        jobId,
      );
    }

    const link = this.links.get(job.nodeId);
    if (ACTIVE.has(job.state) && link) {
      if (!job.cancelRequested) {
        job.cancelRequested = true;
        this.saveJob(job);
        this.recordEvent(job, 'CANCEL_REQUESTED', `stopping on ${job.nodeId}`);
      }
      await this.writes.flush();
      link.send({
        kind: {
          $case: 'cancel',
          value: { jobId, attempt: job.attempt, reason: 'cancelled by user' },
        },
      });
      return job;
    }

    // Pending, or its node is out of reach: the job ends now, and the worker, if it still
    // runs it, is told to stop by its next heartbeat's reply.
    this.pending.remove(jobId);
    this.releaseFromNode(job);
    this.finish(job, 'CANCELLED', 'CANCELLED', 'cancelled by user', -1);
    await this.writes.flush();
    this.requestPlacement();
    return job;
  }

  /** A job's stored events after `afterSeq`. */
  events(jobId: string, afterSeq: number): Promise<StoredEvent[]> {
    this.get(jobId);
    return this.store.events(jobId, afterSeq);
  }

  logs(jobId: string, fromOffset: number): ReturnType<Store['logs']> {
    this.get(jobId);
    return this.store.logs(jobId, fromOffset);
  }

  // ---- placement --------------------------------------------------------------------

  private decide(spec: JobSpec): Decision {
    return place(placementJob(spec), this.nodes.values(), this.options.transfer);
  }

  /** Runs a placement pass soon, once, however many times it is asked for meanwhile. */
  requestPlacement(): void {
    if (this.placementRequested || this.closed) return;
    this.placementRequested = true;
    setImmediate(() => {
      this.placementRequested = false;
      this.placePending();
    });
  }

  /** Offers capacity to waiting jobs in priority, then arrival, order. */
  private placePending(): void {
    if (this.pending.size === 0) return;
    let placed = 0;
    for (const job of this.pending.ordered()) {
      if (!this.anyNodeHasRoom()) break;
      const decision = this.decide(job.spec);
      if (decision.chosen) {
        this.assign(job, decision);
        placed++;
      } else if (job.reason !== decision.summary) {
        job.reason = decision.summary;
        job.placement = this.placementRecord(decision);
      }
    }
    if (placed > 0) void this.writes.flush().catch((err: unknown) => this.storeFailed(err));
  }

  private anyNodeHasRoom(): boolean {
    for (const node of this.nodes.values()) {
      if (node.ready && node.free.cpuCores > 1e-9 && node.free.memoryGb > 1e-9) return true;
    }
    return false;
  }

  private enqueue(job: JobRecord, reason: string): void {
    job.state = 'PENDING';
    job.nodeId = '';
    job.reason = reason;
    this.pending.add(job, job.spec.priority);
    this.saveJob(job);
    this.recordEvent(job, 'QUEUED', reason);
    this.log.info({ jobId: job.spec.jobId, attempt: job.attempt, reason }, 'job queued');
  }

  private assign(job: JobRecord, decision: Decision): void {
    const chosen = decision.chosen!;
    const node = this.nodes.get(chosen.nodeId)!;
    this.pending.remove(job.spec.jobId);
    node.allocate(job.spec.jobId, demandOf(job));

    job.state = 'SCHEDULED';
    job.nodeId = node.nodeId;
    job.attempt += 1;
    job.runOutputBytes = 0;
    job.reason = decision.summary;
    job.estimated = chosen.cost;
    job.scheduledAtMs = Date.now();
    job.placement = this.placementRecord(decision);
    this.saveJob(job);
    this.recordEvent(job, 'SCHEDULED', decision.summary);
    this.log.info(
      {
        jobId: job.spec.jobId,
        nodeId: node.nodeId,
        attempt: job.attempt,
        costUsd: chosen.cost?.totalCostUsd,
      },
      'job placed',
    );

    // The worker hears of the assignment only once it is durable, so a crash cannot leave
    // a run the store does not know of.
    const assignment = assignmentOf(job);
    const attempt = job.attempt;
    this.writes
      .flush()
      .then(() => {
        if (job.attempt !== attempt || job.state !== 'SCHEDULED') return;
        this.links.get(node.nodeId)?.send({ kind: { $case: 'assign', value: assignment } });
      })
      .catch((err: unknown) => this.storeFailed(err));
  }

  private placementRecord(decision: Decision): PlacementRecord {
    return {
      summary: decision.summary,
      chosenNodeId: decision.chosen?.nodeId ?? '',
      nodesTotal: decision.nodesTotal,
      nodesFeasible: decision.nodesFeasible,
      decidedAtMs: Date.now(),
      verdicts: decision.verdicts.slice(0, this.options.verdictsKept).map((v) => ({ ...v })),
    };
  }

  // ---- workers ----------------------------------------------------------------------

  /** Registers or re-registers a node; returns the runs the scheduler believes it has. */
  async register(reg: NodeRegistration): Promise<AssignedRun[]> {
    const known = this.nodes.get(reg.nodeId);
    if (known?.ready) {
      const conflict = registrationConflict(known.reg, reg);
      if (conflict) {
        throw new TgpError(
          'NODE_CONFLICT',
          `node_id ${JSON.stringify(reg.nodeId)} is registered and live with another shape: ${conflict}`,
          'node_id',
          reg.nodeId,
        );
      }
    }

    const node = known ?? new NodeEntry(reg);
    node.reg = reg;
    node.lost = false;
    node.lastHeartbeatMs = Date.now();
    this.nodes.set(reg.nodeId, node);
    this.writes.batch.nodes.push({ nodeId: reg.nodeId, record: reg });
    await this.writes.flush();
    this.log.info(
      { nodeId: reg.nodeId, location: reg.location, priceUsd: reg.pricePerHourUsd },
      'node registered',
    );

    const assigned: AssignedRun[] = [];
    for (const jobId of node.jobIds) {
      const job = this.jobs.get(jobId);
      if (job && ACTIVE.has(job.state)) {
        assigned.push({ jobId, attempt: job.attempt, outputReceivedBytes: job.runOutputBytes });
      }
    }
    return assigned;
  }

  /** Records a heartbeat; returns the runs the worker must stop (cancelled or stale). */
  heartbeat(nodeId: string, running: RunningReport[]): RunningReport[] {
    const node = this.requireNode(nodeId);
    node.lastHeartbeatMs = Date.now();
    if (node.lost) {
      node.lost = false;
      this.log.info({ nodeId }, 'node back');
      this.requestPlacement();
    }

    const stop: RunningReport[] = [];
    for (const run of running) {
      const job = this.jobs.get(run.jobId);
      const current =
        job && job.nodeId === nodeId && job.attempt === run.attempt && ACTIVE.has(job.state);
      if (!current || job.cancelRequested) stop.push(run);
    }
    return stop;
  }

  /** The worker's assignment stream opened; the node can take work. */
  attachLink(nodeId: string, link: WorkerLink): void {
    const node = this.requireNode(nodeId);
    this.links.set(nodeId, link);
    node.connected = true;
    node.lastHeartbeatMs = Date.now();
    this.log.info({ nodeId }, 'node connected');

    // Re-send assignments the worker may have missed; it ignores runs it already has.
    for (const jobId of node.jobIds) {
      const job = this.jobs.get(jobId);
      if (job?.state !== 'SCHEDULED') continue;
      link.send({ kind: { $case: 'assign', value: assignmentOf(job) } });
    }
    this.requestPlacement();
  }

  detachLink(nodeId: string, link: WorkerLink): void {
    if (this.links.get(nodeId) !== link) return;
    this.links.delete(nodeId);
    const node = this.nodes.get(nodeId);
    if (node) node.connected = false;
    this.log.warn({ nodeId }, 'node disconnected');
  }

  async reportStarted(
    nodeId: string,
    report: RunningReport & { startedAtMs: number },
  ): Promise<void> {
    const job = this.currentRun(nodeId, report);
    if (!job) return;
    if (job.state === 'SCHEDULED') {
      job.state = 'RUNNING';
      job.startedAtMs = report.startedAtMs || Date.now();
      this.saveJob(job);
      this.recordEvent(job, 'STARTED', `running on ${nodeId}`);
      await this.writes.flush();
    }
  }

  async reportProgress(
    nodeId: string,
    report: RunningReport & { type: string; message: string },
  ): Promise<void> {
    const job = this.currentRun(nodeId, report);
    if (!job) return;
    this.recordEvent(job, report.type, report.message);
    await this.writes.flush();
  }

  /** Keeps a chunk of output; past the cap, the oldest chunks are dropped. */
  async reportOutput(
    nodeId: string,
    report: RunningReport & { stream: string; data: Buffer; offset: number },
  ): Promise<void> {
    const job = this.currentRun(nodeId, report);
    if (!job || report.data.length === 0) return;

    // The worker numbers each attempt's output; what was already received (sent again
    // after a reconnect) is dropped, and a hole (output the worker could no longer keep)
    // is said in the log rather than passed over.
    const end = report.offset + report.data.length;
    if (end <= job.runOutputBytes) return;
    if (report.offset > job.runOutputBytes) {
      const lost = report.offset - job.runOutputBytes;
      const note = Buffer.from(`[tgp] ${lost} bytes of output were lost in transit\n`);
      this.keepOutput(job, 'tgp', note);
    }
    const skip = Math.max(0, job.runOutputBytes - report.offset);
    job.runOutputBytes = end;
    this.keepOutput(job, report.stream, report.data.subarray(skip));
    this.saveJob(job);
    await this.writes.flush();
  }

  /** Appends output to the job's log, keeping the last logCapBytes. */
  private keepOutput(job: JobRecord, stream: string, data: Buffer): void {
    const chunk = {
      jobId: job.spec.jobId,
      attempt: job.attempt,
      stream,
      offset: job.logBytesCut + job.logBytes,
      data,
    };
    job.logBytes += data.length;
    this.writes.batch.logs.push(chunk);
    if (job.logBytes > this.options.logCapBytes) {
      const cutTo = chunk.offset + chunk.data.length - this.options.logCapBytes;
      this.writes.batch.logTrims.push({ jobId: job.spec.jobId, belowOffset: cutTo });
      job.logBytes -= cutTo - job.logBytesCut;
      job.logBytesCut = cutTo;
    }
    this.bus.publishLog(chunk);
  }

  async reportFinished(nodeId: string, report: FinishedReport): Promise<void> {
    const job = this.currentRun(nodeId, report);
    if (!job) return;
    const node = this.nodes.get(nodeId);
    this.releaseFromNode(job);

    const runtimeS = Math.max(0, report.runtimeS);
    job.actualRuntimeS = runtimeS;
    if (node) {
      job.actual = priceJob(
        { ...placementJob(job.spec), durationS: runtimeS },
        node,
        this.options.transfer,
      );
    }

    if (report.endReason === 'LOST') {
      this.loseRun(job, `worker ${nodeId} lost the run: ${report.message}`);
    } else {
      const state: JobStateName =
        report.endReason === 'CANCELLED' || job.cancelRequested
          ? 'CANCELLED'
          : report.endReason === 'EXITED' && report.exitCode === 0
            ? 'SUCCEEDED'
            : 'FAILED';
      this.finish(
        job,
        state,
        report.endReason,
        report.message,
        report.exitCode,
        report.finishedAtMs,
      );
    }
    await this.writes.flush();
    this.requestPlacement();
  }

  private currentRun(nodeId: string, report: RunningReport): JobRecord | undefined {
    const job = this.jobs.get(report.jobId);
    if (job && job.nodeId === nodeId && job.attempt === report.attempt && ACTIVE.has(job.state)) {
      return job;
    }
    this.log.warn(
      {
        nodeId,
        jobId: report.jobId,
        attempt: report.attempt,
        current: job?.attempt,
        state: job?.state,
      },
      'stale report refused',
    );
    return undefined;
  }

  private requireNode(nodeId: string): NodeEntry {
    const node = this.nodes.get(nodeId);
    if (!node) {
      throw new TgpError(
        'NODE_NOT_FOUND',
        `unknown node_id ${JSON.stringify(nodeId)}: register first`,
        'node_id',
        nodeId,
      );
    }
    return node;
  }

  /** Nodes silent past the lost-after window lose their runs, which are placed again. */
  private checkLiveness(): void {
    const now = Date.now();
    let changed = false;
    for (const node of this.nodes.values()) {
      if (node.lost || now - node.lastHeartbeatMs <= this.options.nodeLostAfterMs) continue;
      node.lost = true;
      this.log.warn({ nodeId: node.nodeId, silentMs: now - node.lastHeartbeatMs }, 'node lost');
      for (const jobId of [...node.jobIds]) {
        const job = this.jobs.get(jobId);
        if (!job || !ACTIVE.has(job.state)) continue;
        this.releaseFromNode(job);
        this.loseRun(job, `node ${node.nodeId} silent for ${now - node.lastHeartbeatMs} ms`);
        changed = true;
      }
    }
    if (changed) {
      void this.writes.flush().catch((err: unknown) => this.storeFailed(err));
      this.requestPlacement();
    }
  }

  /** A run was lost with its node or worker: place the job again, or fail it past the limit. */
  private loseRun(job: JobRecord, why: string): void {
    job.lostRuns += 1;
    if (job.cancelRequested) {
      this.finish(job, 'CANCELLED', 'CANCELLED', `cancelled; ${why}`, -1);
    } else if (job.lostRuns >= this.options.maxAttempts) {
      this.finish(job, 'FAILED', 'NODE_LOST', `${why}; ${job.lostRuns} runs lost, giving up`, -1);
    } else {
      this.recordEvent(job, 'RUN_LOST', why);
      this.log.warn({ jobId: job.spec.jobId, attempt: job.attempt, why }, 'run lost; retrying');
      this.enqueue(job, `waiting to run again: ${why}`);
    }
  }

  private releaseFromNode(job: JobRecord): void {
    this.nodes.get(job.nodeId)?.release(job.spec.jobId, demandOf(job));
  }

  private finish(
    job: JobRecord,
    state: JobStateName,
    endReason: string,
    message: string,
    exitCode: number,
    finishedAtMs = Date.now(),
  ): void {
    job.state = state;
    job.endReason = endReason;
    job.reason = message;
    job.exitCode = exitCode;
    job.finishedAtMs = finishedAtMs;
    this.saveJob(job);
    this.recordEvent(job, state, message);
    this.log.info(
      {
        jobId: job.spec.jobId,
        nodeId: job.nodeId,
        attempt: job.attempt,
        state,
        endReason,
        costUsd: job.actual?.totalCostUsd,
      },
      'job ended',
    );
  }

  // ---- records ----------------------------------------------------------------------

  private saveJob(job: JobRecord): void {
    this.writes.batch.jobs.push({
      jobId: job.spec.jobId,
      seq: job.seq,
      state: job.state,
      record: { ...job },
    });
  }

  private recordEvent(job: JobRecord, type: string, message: string): void {
    const event: StoredEvent = {
      seq: ++this.eventSeq,
      jobId: job.spec.jobId,
      atMs: Date.now(),
      type,
      message,
      attempt: job.attempt,
      state: job.state,
      nodeId: job.nodeId,
    };
    this.writes.batch.events.push(event);
    // Watchers hear of it once it is durable.
    void this.writes
      .flush()
      .then(() => this.bus.publishEvent(event))
      .catch((err: unknown) => this.storeFailed(err));
  }

  private storeFailed(err: unknown): void {
    this.log.error({ err }, 'store commit failed');
  }
}

function newJob(spec: JobSpec, seq: number): JobRecord {
  return {
    spec,
    seq,
    state: 'PENDING',
    nodeId: '',
    attempt: 0,
    reason: '',
    endReason: '',
    estimated: undefined,
    actual: undefined,
    exitCode: 0,
    submittedAtMs: Date.now(),
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

/** A spec as the placement pipeline sees it. */
export function placementJob(spec: JobSpec): PlacementJob {
  return {
    jobId: spec.jobId,
    cpuCores: spec.cpuCores,
    memoryGb: spec.memoryGb,
    gpuCount: spec.gpuCount,
    gpuModel: spec.gpuModel,
    diskGb: spec.diskGb,
    durationS: spec.expectedDurationS,
    inputDataGb: spec.inputDataGb,
    dataLocation: spec.dataLocation,
    executor: spec.image === '' ? 'process' : 'docker',
    constraints: spec.constraints,
    maxBudgetUsd: spec.maxBudgetUsd,
    maxLatencyMs: spec.maxLatencyMs,
  };
}

/** What a worker is sent to run the job's current attempt. */
export function assignmentOf(job: JobRecord): Assignment {
  return {
    spec: job.spec,
    attempt: job.attempt,
    maxRuntimeS: job.spec.maxRuntimeS,
    outputReceivedBytes: job.runOutputBytes,
  };
}

function demandOf(job: JobRecord): ResourceAmounts {
  const s = job.spec;
  return { cpuCores: s.cpuCores, memoryGb: s.memoryGb, gpuCount: s.gpuCount, diskGb: s.diskGb };
}

export { DEFAULT_JOB };
