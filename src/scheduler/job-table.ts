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
  decodeSpec,
  encodeSpec,
  internSpec,
  internText,
  type StoredWaiting,
} from './job-codec.js';
import type { JobRecord, JobStateName } from './job-record.js';
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

/** A spec's placement job, shape and priority: equal for specs that differ only by id. */
interface Template {
  placement: PlacementJob;
  shape: string;
  priority: number;
}

/** Specs in compact JSON begin with the job id, which never needs escaping. */
const ID_PREFIX = '{"jobId":"';

export class JobTable {
  private readonly byId = new Map<string, JobRecord | number>();
  private readonly waiting = new WaitingJobs();
  /** Templates by the spec's JSON without its id, for recovery. */
  private readonly templates = new Map<string, Template>();

  /** `placementOf` gives a spec as placement sees it (scheduler.ts placementJob). */
  constructor(private readonly placementOf: (spec: JobSpec) => PlacementJob) {}

  get size(): number {
    return this.byId.size;
  }

  has(jobId: string): boolean {
    return this.byId.has(jobId);
  }

  /** The job's full record, built (once) from its slot if it is a packed waiting job. */
  get(jobId: string): JobRecord | undefined {
    const entry = this.byId.get(jobId);
    if (typeof entry !== 'number') return entry;
    const slot = entry;
    const job = blankRecord(internSpec(this.waiting.spec(slot)), this.waiting.seq(slot));
    job.submittedAtMs = this.waiting.submittedAtMs(slot);
    job.reason = this.waiting.reason(slot);
    // The slot stays while the queue holds it; the record now speaks for the job.
    this.byId.set(jobId, job);
    return job;
  }

  set(job: JobRecord): void {
    this.byId.set(job.spec.jobId, job);
  }

  /**
   * Packs a waiting job that was never placed and returns its slot; the record passed in
   * is then the caller's alone. Returns undefined (and keeps the record) for any other job.
   */
  park(job: JobRecord, shape: string, placement: PlacementJob): number | undefined {
    if (!isFreshWaiting(job)) return undefined;
    const spec = job.spec;
    const json = JSON.stringify(encodeSpec(spec));
    const slot = this.waiting.add(
      spec.jobId,
      json,
      spec.priority,
      job.seq,
      job.submittedAtMs,
      job.reason,
      shape,
      placement,
    );
    this.byId.set(spec.jobId, slot);
    return slot;
  }

  /**
   * Keeps a stored job waiting for its first placement as a slot, without building its
   * record; returns the slot. Jobs submitted together differ only by id, so their shape
   * is worked out once per distinct rest of the spec.
   */
  addStoredWaiting(jobId: string, seq: number, stored: StoredWaiting): number {
    const json = JSON.stringify(stored.spec);
    let rest: string | undefined;
    if (json.startsWith(ID_PREFIX)) rest = json.slice(json.indexOf('"', ID_PREFIX.length) + 1);
    let template = rest === undefined ? undefined : this.templates.get(rest);
    if (!template) {
      const placement = this.placementOf(decodeSpec(stored.spec));
      const priority = (stored.spec.priority as number | undefined) ?? 0;
      template = { placement, shape: shapeKey(placement), priority };
      if (rest !== undefined) {
        if (this.templates.size >= 4096) this.templates.clear();
        this.templates.set(rest, template);
      }
    }
    const { placement, shape, priority } = template;
    const reason = internText(stored.reason);
    const slot = this.waiting.add(
      jobId,
      json,
      priority,
      seq,
      stored.submittedAtMs,
      reason,
      shape,
      placement,
    );
    this.byId.set(jobId, slot);
    return slot;
  }

  /** The record behind a queue item (built now if it was a slot). */
  resolve(item: Waiting): JobRecord {
    return typeof item === 'number' ? this.get(this.waiting.jobId(item))! : item;
  }

  /** A queue item left the queue: its slot, if it had one, is freed. */
  release(item: Waiting): void {
    if (typeof item !== 'number') return;
    this.resolve(item);
    this.waiting.remove(item);
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
    const entry = this.byId.get(this.waiting.jobId(item));
    return typeof entry === 'number' ? this.waiting.reason(item) : entry!.reason;
  }

  /** Jobs per state, slots counted as PENDING without building their records. */
  countByState(): Map<JobStateName, number> {
    const counts = new Map<JobStateName, number>();
    for (const entry of this.byId.values()) {
      const state = typeof entry === 'number' ? 'PENDING' : entry.state;
      counts.set(state, (counts.get(state) ?? 0) + 1);
    }
    return counts;
  }

  /** Jobs in the given states (all when empty), newest first, at most `limit`. */
  list(states: ReadonlySet<JobStateName>, limit: number, nodeId = ''): JobRecord[] {
    const out: JobRecord[] = [];
    const all = [...this.byId.entries()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const [jobId, entry] = all[i]!;
      const state = typeof entry === 'number' ? 'PENDING' : entry.state;
      const on = typeof entry === 'number' ? '' : entry.nodeId;
      if (states.size > 0 && !states.has(state)) continue;
      if (nodeId !== '' && on !== nodeId) continue;
      out.push(this.get(jobId)!);
    }
    return out;
  }
}
