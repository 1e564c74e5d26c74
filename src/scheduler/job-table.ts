/**
 * The scheduler's jobs by id. A job that waits for its first placement holds nothing but
 * its spec, seq, submission time and reason, so the table keeps such a job as a packed
 * slot (waiting-jobs.ts) and builds the full record the first time anything asks for it:
 * a GetJob, its placement, a cancel. The pending queue holds slots for these jobs and
 * records for the others (jobs waiting to run again after a lost run).
 */
import type { JobSpec } from '../api/gen/tgp/v1/tgp.js';
import { shapeKey } from '../placement/engine.js';
import type { PlacementJob } from '../placement/types.js';
import {
  blankRecord,
  internSpec,
  internText,
  specFromText,
  specText,
  type StoredWaiting,
} from './job-codec.js';
import type { JobRecord, JobStateName } from './job-record.js';
import { Heap } from '../util/heap.js';
import { IdTable } from './id-table.js';
import { WaitingJobs } from './waiting-jobs.js';

/** What the pending queue holds: a job's record, or the slot of one never placed. */
export type Waiting = JobRecord | number;

/** True when the record holds nothing a slot does not: waiting, never placed. */
function isFreshWaiting(job: JobRecord): boolean {
  const blank = blankRecord(job.spec, job.seq);
  for (const key of Object.keys(job) as (keyof JobRecord)[]) {
    if (key === 'spec' || key === 'seq' || key === 'submittedAtMs' || key === 'reason') continue;
    if (job[key] !== blank[key]) return false;
  }
  return true;
}

export class JobTable {
  /** Jobs with a record: every job but the packed waiting ones never asked for. */
  private readonly records = new Map<string, JobRecord>();
  private readonly waiting = new WaitingJobs();
  /** Slots whose job also has a record now (asked for while it waits). */
  private built = 0;

  /** `placementOf` gives a spec as placement sees it (scheduler.ts placementJob). */
  constructor(private readonly placementOf: (spec: JobSpec) => PlacementJob) {}

  get size(): number {
    return this.records.size + this.waiting.size - this.built;
  }

  has(jobId: string): boolean {
    return this.records.has(jobId) || this.waiting.find(jobId) >= 0;
  }

  /** The job's full record, built (once) from its slot if it is a packed waiting job. */
  get(jobId: string): JobRecord | undefined {
    const known = this.records.get(jobId);
    if (known) return known;
    const slot = this.waiting.find(jobId);
    return slot < 0 ? undefined : this.build(slot, jobId);
  }

  set(job: JobRecord): void {
    this.records.set(job.spec.jobId, job);
  }

  /**
   * Packs a waiting job that was never placed and returns its slot; the record passed in
   * is then the caller's alone. Returns undefined (and keeps the record) for any other job.
   */
  park(job: JobRecord, shape: string, placement: PlacementJob): number | undefined {
    const spec = job.spec;
    if (!isFreshWaiting(job) || !IdTable.fits(spec.jobId)) return undefined;
    const slot = this.waiting.add(
      spec.jobId,
      specText(spec),
      () => ({ placement, shape, priority: spec.priority }),
      job.seq,
      job.submittedAtMs,
      job.reason,
    );
    this.records.delete(spec.jobId);
    return slot;
  }

  /**
   * Keeps a stored job waiting for its first placement as a slot, without building its
   * record; returns the slot, or undefined when the job cannot be packed (the caller then
   * builds its record). Jobs submitted alike share one spec text, whose placement shape is
   * worked out once.
   */
  addStoredWaiting(
    jobId: string,
    seq: number,
    text: string,
    stored: StoredWaiting,
  ): number | undefined {
    if (!IdTable.fits(jobId)) return undefined;
    const make = () => {
      const spec = specFromText(text, jobId);
      const placement = this.placementOf(spec);
      return { placement, shape: shapeKey(placement), priority: spec.priority };
    };
    const reason = internText(stored.reason);
    return this.waiting.add(jobId, text, make, seq, stored.submittedAtMs, reason);
  }

  /** Builds the record of a packed job; the slot stays queued, the record speaks for it. */
  private build(slot: number, jobId: string): JobRecord {
    const job = blankRecord(internSpec(this.waiting.spec(slot)), this.waiting.seq(slot));
    job.submittedAtMs = this.waiting.submittedAtMs(slot);
    job.reason = this.waiting.reason(slot);
    this.records.set(jobId, job);
    this.waiting.markBuilt(slot);
    this.built++;
    return job;
  }

  /** The record behind a queue item (built now if it was a slot). */
  resolve(item: Waiting): JobRecord {
    if (typeof item !== 'number') return item;
    const jobId = this.waiting.jobId(item);
    return this.waiting.isBuilt(item) ? this.records.get(jobId)! : this.build(item, jobId);
  }

  /** A queue item left the queue: its slot, if it had one, is freed (its record stays). */
  release(item: Waiting): void {
    if (typeof item !== 'number') return;
    this.resolve(item);
    this.waiting.remove(item);
    this.built--;
  }

  jobIdOf(item: Waiting): string {
    return typeof item === 'number' ? this.waiting.jobId(item) : item.spec.jobId;
  }

  seqOf(item: Waiting): number {
    return typeof item === 'number' ? this.waiting.seq(item) : item.seq;
  }

  priorityOf(item: Waiting): number {
    return typeof item === 'number' ? this.waiting.priority(item) : item.spec.priority;
  }

  /** The shape of a slot, or undefined for a record (the caller works it out). */
  shapeOfSlot(item: Waiting): string | undefined {
    return typeof item === 'number' ? this.waiting.shape(item) : undefined;
  }

  /** The placement job of a slot, or undefined for a record. */
  placementOfSlot(item: Waiting): PlacementJob | undefined {
    return typeof item === 'number' ? this.waiting.placement(item) : undefined;
  }

  /** Why a queue item waits, without building its record. */
  reasonOf(item: Waiting): string {
    if (typeof item !== 'number') return item.reason;
    if (!this.waiting.isBuilt(item)) return this.waiting.reason(item);
    return this.records.get(this.waiting.jobId(item))!.reason;
  }

  /** Jobs per state, packed jobs counted as PENDING without building their records. */
  countByState(): Map<JobStateName, number> {
    const counts = new Map<JobStateName, number>();
    for (const job of this.records.values()) {
      counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
    }
    const packed = this.waiting.size - this.built;
    if (packed > 0) counts.set('PENDING', (counts.get('PENDING') ?? 0) + packed);
    return counts;
  }

  /** Jobs in the given states (all when empty), newest (highest seq) first, at most `limit`. */
  list(states: ReadonlySet<JobStateName>, limit: number, nodeId = ''): JobRecord[] {
    const newest = new NewestFirst<JobRecord | number>(limit);
    for (const job of this.records.values()) {
      if (states.size > 0 && !states.has(job.state)) continue;
      if (nodeId !== '' && job.nodeId !== nodeId) continue;
      newest.offer(job.seq, job);
    }
    if ((states.size === 0 || states.has('PENDING')) && nodeId === '') {
      this.waiting.forEach((slot) => {
        if (!this.waiting.isBuilt(slot)) newest.offer(this.waiting.seq(slot), slot);
      });
    }
    return newest.take().map((item) => this.resolve(item));
  }
}

/** Keeps the `limit` items of highest seq offered. */
class NewestFirst<T> {
  /** The lowest seq kept comes out first, to make room. */
  private readonly kept = new Heap<{ seq: number; item: T }>((a, b) => a.seq < b.seq);

  constructor(private readonly limit: number) {}

  offer(seq: number, item: T): void {
    if (this.kept.size < this.limit) this.kept.push({ seq, item });
    else if (this.limit > 0 && seq > this.kept.peek()!.seq) this.kept.replaceTop({ seq, item });
  }

  /** The items kept, highest seq first. */
  take(): T[] {
    return [...this.kept.values()].sort((a, b) => b.seq - a.seq).map((e) => e.item);
  }
}
