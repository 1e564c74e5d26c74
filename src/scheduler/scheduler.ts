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
import { formatUsd, priceJob } from '../cost/formula.js';
import type { TransferPrices } from '../cost/transfer.js';
import { TgpError } from '../errors.js';
import { BatchThread, type BatchOutcome } from '../placement/batch-thread.js';
import { snapshotNode } from '../placement/class-lp.js';
import { PlacementEngine, shapeKey } from '../placement/engine.js';
import type { Decision, PlacementJob, ResourceAmounts } from '../placement/types.js';
import type { Store, StoredEvent, StoredJob } from '../store/store.js';
import { WriteQueue } from '../store/write-queue.js';
import type { Logger } from '../util/log.js';
import { EventBus } from './event-bus.js';
import {
  blankRecord,
  decodeJob,
  encodeJob,
  internSpec,
  internText,
  specFromText,
  specText,
  waitingOf,
} from './job-codec.js';
import { JobTable, type Waiting } from './job-table.js';
import {
  isTerminal,
  type JobRecord,
  type JobStateName,
  type PlacementRecord,
} from './job-record.js';
import { NodeEntry, registrationConflict, type NodeRegistration } from './node-registry.js';
import { ShapeQueue } from './shape-queue.js';
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
  /** How a waiting backlog is placed; BATCH_POLICY_DEFAULTS when absent. */
  batch?: BatchPolicy;
}

/**
 * Batch placement of a backlog (placement/batch.ts): when a pass finds several waiting
 * jobs that could start now, the first of them at the queue's top priority are placed as
 * one assignment, solved in a worker thread, instead of one at a time in arrival order.
 */
export interface BatchPolicy {
  enabled: boolean;
  /** Fewer placeable waiting jobs than this go one at a time. */
  minJobs: number;
  /** Most jobs in one batch, taken in queue order. */
  maxJobs: number;
  /** Wall-clock limit of the LP solve, milliseconds; past it the batch goes greedy. */
  timeLimitMs: number;
}

export const BATCH_POLICY_DEFAULTS: BatchPolicy = {
  enabled: true,
  minJobs: 2,
  maxJobs: 5000,
  timeLimitMs: 2000,
};

/** After a failed batch solve, jobs go one at a time for this long, milliseconds. */
const BATCH_BACKOFF_MS = 60_000;

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

/**
 * Longest a placement pass runs before it yields to other work, milliseconds; it goes on
 * in a later turn of the event loop where it stopped.
 */
const PASS_SLICE_MS = 10;

export class Scheduler {
  /** Jobs by id; one waiting for its first placement is kept packed (job-table.ts). */
  readonly jobs = new JobTable(placementJob);
  readonly nodes = new Map<string, NodeEntry>();
  readonly bus = new EventBus();
  private readonly pending = new ShapeQueue<Waiting>({
    seqOf: (w) => this.jobs.seqOf(w),
    priorityOf: (w) => this.jobs.priorityOf(w),
    shapeOf: (w) => this.jobs.shapeOfSlot(w) ?? shapeKey(this.placementOf(w)),
  });
  /** Nodes by class and free capacity; answers every placement as place() would. */
  private readonly engine: PlacementEngine;
  /** The placement pass under way, if one yielded before it was done. */
  private pass: ReturnType<ShapeQueue<Waiting>['pass']> | undefined;
  /** Capacity or the queue changed while a pass was under way: run another after it. */
  private passAgain = false;
  private readonly batchPolicy: BatchPolicy;
  private readonly batcher = new BatchThread();
  /** A batch is being solved; passes wait for it. */
  private batching = false;
  /** The next pass goes one at a time: the batch before it placed what it could. */
  private afterBatch = false;
  private batchBackoffUntilMs = 0;
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
    // Watchers hear of events once they are durable, batch by batch.
    this.writes = new WriteQueue(
      store,
      (batch) => {
        for (const event of batch.events) this.bus.publishEvent(event);
      },
      (err) => this.storeFailed(err),
    );
    this.log = options.logger;
    this.engine = new PlacementEngine(options.transfer, { verdictsKept: options.verdictsKept });
    this.batchPolicy = options.batch ?? BATCH_POLICY_DEFAULTS;
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
      this.track(node);
    }

    for await (const page of snapshot.jobs) {
      for (const stored of page) this.recoverJob(stored);
    }
    this.log.info(
      { jobs: this.jobs.size, pending: this.pending.size, nodes: this.nodes.size },
      'state recovered',
    );
    this.requestPlacement();
  }

  private recoverJob(stored: StoredJob): void {
    // Most of a long queue waits for its first placement: packed straight from the row.
    const { jobId, seq, spec } = stored;
    const waiting = waitingOf(stored.record);
    const slot = waiting && this.jobs.addStoredWaiting(jobId, seq, spec, waiting);
    if (slot !== undefined) {
      this.pending.add(slot);
      return;
    }
    const job = decodeJob(stored.record, internSpec(specFromText(spec, jobId)));
    job.reason = internText(job.reason);
    this.jobs.set(job);
    if (job.state === 'PENDING') this.queue(job);
    if (ACTIVE.has(job.state)) this.nodes.get(job.nodeId)?.allocate(jobId, demandOf(job));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    await this.batcher.close();
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

    // Saved once, below, by assign() or enqueue(): the same batch holds both changes.
    const job = newJob(internSpec(spec), ++this.jobSeq);
    this.jobs.set(job);
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
    return this.jobs.list(states, limit, nodeId);
  }

  countByState(): Map<JobStateName, number> {
    return this.jobs.countByState();
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
    this.unqueue(job);
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
    return this.engine.place(placementJob(spec));
  }

  /** A queue item as placement sees it; a packed job's is its shape's, without an id. */
  private placementOf(item: Waiting): PlacementJob {
    return this.jobs.placementOfSlot(item) ?? placementJob(this.jobs.resolve(item).spec);
  }

  /** Keeps the engine's index in step with the node's readiness, capacity and shape. */
  private track(node: NodeEntry): void {
    node.onChange = (n, reshaped) => (reshaped ? this.engine.upsert(n) : this.engine.update(n));
    this.engine.upsert(node);
  }

  /** Runs a placement pass soon, once, however many times it is asked for meanwhile. */
  requestPlacement(): void {
    if (this.closed) return;
    if (this.pass) {
      this.passAgain = true;
      return;
    }
    if (this.placementRequested) return;
    this.placementRequested = true;
    setImmediate(() => {
      this.placementRequested = false;
      this.placePending();
    });
  }

  /**
   * Offers capacity to waiting jobs in priority, then arrival, order. Jobs of one shape
   * get one decision, so a group whose first job does not fit is passed over whole, and a
   * job that needs more than any ready node has free is passed over without one. The pass
   * stops when no node has room, and yields after PASS_SLICE_MS to go on in a later turn.
   */
  private placePending(): void {
    if (this.closed) return;
    if (this.batching) {
      this.passAgain = true;
      return;
    }
    if (!this.pass && !this.afterBatch && this.startBatch()) return;
    this.afterBatch = false;
    const pass = (this.pass ??= this.pending.pass());
    const until = performance.now() + PASS_SLICE_MS;
    let placed = 0;
    let steps = 0;
    for (let waiting = pass.next(); waiting !== undefined; waiting = pass.next()) {
      if (!this.engine.hasRoom()) break;
      const wanted = this.placementOf(waiting);
      if (this.engine.mightFit(wanted)) {
        const decision = this.engine.place(wanted);
        if (decision.chosen) {
          this.assign(this.jobs.resolve(waiting), decision);
          pass.placed();
          placed++;
        } else if (this.jobs.reasonOf(waiting) !== decision.summary) {
          const job = this.jobs.resolve(waiting);
          job.reason = decision.summary;
          job.placement = this.placementRecord(decision);
        }
      }
      if (++steps % 32 === 0 && performance.now() > until) {
        this.flushPlaced(placed);
        setImmediate(() => this.placePending());
        return;
      }
    }
    this.flushPlaced(placed);
    this.pass = undefined;
    if (this.passAgain) {
      this.passAgain = false;
      this.requestPlacement();
    }
  }

  /**
   * Starts a batch when two or more waiting jobs of the queue's top priority could start
   * now; the pass that follows it places, one at a time, whatever the batch left.
   */
  private startBatch(): boolean {
    const policy = this.batchPolicy;
    if (!policy.enabled || this.pending.size < policy.minJobs || !this.engine.hasRoom()) {
      return false;
    }
    if (Date.now() < this.batchBackoffUntilMs) return false;

    // Jobs of a shape that no node can take now would only slow the solve.
    const head = this.pending.peek(policy.maxJobs);
    const top = head[0] === undefined ? 0 : this.jobs.priorityOf(head[0]);
    const placeable = new Map<string, boolean>();
    const batch: PlacementJob[] = [];
    for (const item of head) {
      if (this.jobs.priorityOf(item) !== top) break;
      const job = this.placementOf(item);
      const shape = this.jobs.shapeOfSlot(item) ?? shapeKey(job);
      let ok = placeable.get(shape);
      if (ok === undefined) {
        ok = this.engine.mightFit(job) && this.engine.place(job, shape).chosen !== undefined;
        placeable.set(shape, ok);
      }
      // A packed job's placement job is its shape's, without an id: the batch needs ids.
      if (ok) batch.push({ ...job, jobId: this.jobs.jobIdOf(item) });
    }
    if (batch.length < policy.minJobs) return false;

    const nodes = [...this.nodes.values()].filter((n) => n.ready).map(snapshotNode);
    const options = { timeLimitMs: policy.timeLimitMs, minJobs: policy.minJobs };
    this.batching = true;
    this.batcher
      .solve(batch, nodes, this.options.transfer.config, options)
      .then(
        (outcome) => this.applyBatch(batch, outcome),
        (err: unknown) => {
          if (this.closed) return;
          this.batchBackoffUntilMs = Date.now() + BATCH_BACKOFF_MS;
          this.log.error({ err, jobs: batch.length }, 'batch placement failed');
        },
      )
      .catch((err: unknown) => this.log.error({ err }, 'batch could not be applied'))
      .finally(() => {
        this.batching = false;
        this.afterBatch = true;
        this.passAgain = false;
        this.placePending();
      });
    return true;
  }

  /** Applies a solved batch, each placement checked against the nodes as they are now. */
  private applyBatch(batch: PlacementJob[], outcome: BatchOutcome): void {
    if (this.closed) return;
    const { stats } = outcome;
    const byId = new Map(batch.map((job) => [job.jobId, job]));
    const how =
      `placed with ${batch.length} waiting jobs as a batch (${stats.plan}: ` +
      `${formatUsd(stats.roundedCostUsd)} for ${stats.jobsPlaced}` +
      (Number.isFinite(stats.lpObjectiveUsd)
        ? `, LP bound ${formatUsd(stats.lpObjectiveUsd)})`
        : ')');
    let placed = 0;
    for (const [jobId, nodeId] of outcome.placements) {
      const wanted = byId.get(jobId);
      const job = this.jobs.get(jobId);
      // Cancelled, or the node moved on since the snapshot: the pass below tries it again.
      if (!wanted || job?.state !== 'PENDING') continue;
      const decision = this.engine.placeOn(wanted, nodeId, `batch: ${stats.plan}`);
      if (!decision) continue;
      decision.summary += `; ${how}`;
      this.assign(job, decision);
      placed++;
    }
    this.flushPlaced(placed);
    this.log.info(
      {
        jobs: batch.length,
        placed,
        plan: stats.plan,
        solver: stats.solverStatus,
        solveMs: Math.round(stats.solveMs),
        costUsd: stats.roundedCostUsd,
        lpBoundUsd: stats.lpObjectiveUsd,
      },
      'batch placed',
    );
  }

  private flushPlaced(placed: number): void {
    if (placed > 0) void this.writes.flush().catch((err: unknown) => this.storeFailed(err));
  }

  /** Puts a job in the pending queue, under its placement shape, as a stub if it can be. */
  private queue(job: JobRecord): void {
    const placement = placementJob(job.spec);
    const slot = this.jobs.park(job, shapeKey(placement), placement);
    this.pending.add(slot ?? job);
  }

  /** Takes a job out of the pending queue, if it is there. */
  private unqueue(job: JobRecord): void {
    const removed = this.pending.remove(job);
    if (removed !== undefined) this.jobs.release(removed);
  }

  private enqueue(job: JobRecord, reason: string): void {
    job.state = 'PENDING';
    job.nodeId = '';
    job.reason = internText(reason);
    this.queue(job);
    this.saveJob(job);
    this.recordEvent(job, 'QUEUED', reason);
    this.log.info({ jobId: job.spec.jobId, attempt: job.attempt, reason }, 'job queued');
  }

  private assign(job: JobRecord, decision: Decision): void {
    const chosen = decision.chosen!;
    const node = this.nodes.get(chosen.nodeId)!;
    // Only a queued job is in the queue; the fast path of admit places one that is not.
    if (this.pending.size > 0) this.unqueue(job);
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
    if (known) node.reg = reg;
    else this.track(node);
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
      spec: specText(job.spec),
      record: encodeJob(job),
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
    this.writes.commitSoon();
  }

  private storeFailed(err: unknown): void {
    this.log.error({ err }, 'store commit failed');
  }
}

function newJob(spec: JobSpec, seq: number): JobRecord {
  const job = blankRecord(spec, seq);
  job.submittedAtMs = Date.now();
  return job;
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
