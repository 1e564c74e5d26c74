/**
 * Jobs waiting for their first placement, packed. Such a job is its spec plus a seq, a
 * submission time and a reason, and the specs of a long queue are nearly all alike: jobs
 * submitted together differ only by id. So a job is kept as a slot: the numbers in typed
 * arrays, the id in an off-heap table (id-table.ts), the reason as a reference to a shared
 * string, and the rest of its spec as the index of a template (the spec's stored text
 * without the id, with its placement job and shape) that every job of that text shares. A
 * million waiting jobs then take about 80 bytes each and almost nothing of the heap, which
 * keeps the process small and quick to rebuild after a restart.
 */
import type { JobSpec } from '../api/gen/tgp/v1/tgp.js';
import type { PlacementJob } from '../placement/types.js';
import { IdTable } from './id-table.js';
import { specFromText } from './job-codec.js';

/** The rest of a spec, shared by the jobs whose spec differs only by id. */
export interface SpecTemplate {
  /** The spec's stored text (job-codec.ts specText). */
  text: string;
  /** The spec as placement sees it, its id left empty (placement never reads it). */
  placement: PlacementJob;
  /** Placement shape (engine.ts shapeKey). */
  shape: string;
  priority: number;
}

interface TemplateEntry extends SpecTemplate {
  index: number;
  /** Slots using it; the template goes with the last of them. */
  waiting: number;
}

export class WaitingJobs {
  private capacity = 1024;
  private seqs = new Float64Array(this.capacity);
  private submitted = new Float64Array(this.capacity);
  private templateAt = new Int32Array(this.capacity);
  /** 1 while the slot holds a job; 2 once the job's record was built (job-table.ts). */
  private status = new Uint8Array(this.capacity);
  private readonly ids = new IdTable();
  private readonly reasons: string[] = [];
  private readonly free: number[] = [];
  private next = 0;
  private count = 0;

  private readonly templates: (TemplateEntry | undefined)[] = [];
  private readonly templateByText = new Map<string, TemplateEntry>();
  private readonly freeTemplates: number[] = [];

  get size(): number {
    return this.count;
  }

  /**
   * Keeps a waiting job; returns its slot. `make` builds the template of `text` when no
   * waiting job uses it yet (its placement job and shape are then worked out once).
   */
  add(
    jobId: string,
    text: string,
    make: () => Omit<SpecTemplate, 'text'>,
    seq: number,
    submittedAtMs: number,
    reason: string,
  ): number {
    const slot = this.free.pop() ?? this.next++;
    if (slot >= this.capacity) this.grow();
    const entry = this.templateFor(text, make);
    entry.waiting++;
    this.templateAt[slot] = entry.index;
    this.seqs[slot] = seq;
    this.submitted[slot] = submittedAtMs;
    this.reasons[slot] = reason;
    this.ids.set(jobId, slot);
    this.status[slot] = 1;
    this.count++;
    return slot;
  }

  /** The slot of a waiting job, or -1. */
  find(jobId: string): number {
    return this.ids.find(jobId);
  }

  /** Marks the slot's job as having a record of its own now (it stays queued here). */
  markBuilt(slot: number): void {
    this.status[slot] = 2;
  }

  /** True once markBuilt was called for the slot's job. */
  isBuilt(slot: number): boolean {
    return this.status[slot] === 2;
  }

  /** Calls `visit` with every slot holding a job. */
  forEach(visit: (slot: number) => void): void {
    for (let slot = 0; slot < this.next; slot++) if (this.status[slot] !== 0) visit(slot);
  }

  /** Frees the slot, and its template with the last job that used it. */
  remove(slot: number): void {
    if (this.status[slot] === 0) return;
    this.status[slot] = 0;
    this.ids.remove(slot);
    this.reasons[slot] = '';
    const entry = this.entry(slot);
    if (--entry.waiting === 0) {
      this.templates[entry.index] = undefined;
      this.templateByText.delete(entry.text);
      this.freeTemplates.push(entry.index);
    }
    this.free.push(slot);
    this.count--;
  }

  jobId(slot: number): string {
    return this.ids.idOf(slot);
  }
  seq(slot: number): number {
    return this.seqs[slot]!;
  }
  priority(slot: number): number {
    return this.entry(slot).priority;
  }
  submittedAtMs(slot: number): number {
    return this.submitted[slot]!;
  }
  reason(slot: number): string {
    return this.reasons[slot]!;
  }
  shape(slot: number): string {
    return this.entry(slot).shape;
  }
  /** The job as placement sees it (its id left empty; placement never reads it). */
  placement(slot: number): PlacementJob {
    return this.entry(slot).placement;
  }

  /** The spec, rebuilt from the template's text and the id. */
  spec(slot: number): JobSpec {
    return specFromText(this.entry(slot).text, this.ids.idOf(slot));
  }

  private entry(slot: number): TemplateEntry {
    return this.templates[this.templateAt[slot]!]!;
  }

  private templateFor(text: string, make: () => Omit<SpecTemplate, 'text'>): TemplateEntry {
    const known = this.templateByText.get(text);
    if (known) return known;
    const { placement, shape, priority } = make();
    const index = this.freeTemplates.pop() ?? this.templates.length;
    const entry: TemplateEntry = {
      text,
      placement: { ...placement, jobId: '' },
      shape,
      priority,
      index,
      waiting: 0,
    };
    this.templates[index] = entry;
    this.templateByText.set(text, entry);
    return entry;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const widen = <A extends Float64Array | Int32Array>(a: A, make: (n: number) => A): A => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.seqs = widen(this.seqs, (n) => new Float64Array(n));
    this.submitted = widen(this.submitted, (n) => new Float64Array(n));
    this.templateAt = widen(this.templateAt, (n) => new Int32Array(n));
    const status = new Uint8Array(cap);
    status.set(this.status);
    this.status = status;
    this.capacity = cap;
  }
}
