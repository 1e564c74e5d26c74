/**
 * Jobs waiting for their first placement, packed. Such a job is its spec plus a seq, a
 * submission time and a reason, so it is kept as a slot: the spec protobuf-encoded into a
 * shared byte arena, the numbers in typed arrays, the id, reason and placement shape as
 * references to strings shared between jobs. A million waiting jobs then hold a million
 * job-id strings and little else on the JavaScript heap, which keeps the heap small and
 * unbroken by the garbage that submitting them leaves behind.
 */
import type { JobSpec } from '../api/gen/tgp/v1/tgp.js';
import type { PlacementJob } from '../placement/types.js';
import { decodeSpec } from './job-codec.js';

/** Bytes per arena chunk; a chunk is dropped once none of its specs is waiting. */
const CHUNK_BYTES = 4 * 1024 * 1024;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** The placement job of a shape, with the number of waiting jobs of that shape. */
interface ShapeEntry {
  /** The shape key, one string for all slots of the shape. */
  shape: string;
  job: PlacementJob;
  waiting: number;
}

export class WaitingJobs {
  private capacity = 1024;
  private seqs = new Float64Array(this.capacity);
  private submitted = new Float64Array(this.capacity);
  private priorities = new Int32Array(this.capacity);
  private chunkAt = new Int32Array(this.capacity);
  private offsetAt = new Int32Array(this.capacity);
  private lengthAt = new Int32Array(this.capacity);
  private readonly jobIds: (string | undefined)[] = [];
  private readonly reasons: string[] = [];
  private readonly shapes: string[] = [];
  private readonly free: number[] = [];
  private next = 0;
  private count = 0;

  private readonly chunks: (Uint8Array | undefined)[] = [];
  /** Specs still waiting per chunk. */
  private readonly chunkLive: number[] = [];
  private writeOffset = CHUNK_BYTES;

  /** One placement job per shape waiting: every job of a shape is placed the same way. */
  private readonly shapeJobs = new Map<string, ShapeEntry>();

  get size(): number {
    return this.count;
  }

  /**
   * Keeps a waiting job; returns its slot. `specJson` is the job's spec in the codec's
   * compact form, as JSON text.
   */
  add(
    jobId: string,
    specJson: string,
    priority: number,
    seq: number,
    submittedAtMs: number,
    reason: string,
    shape: string,
    placement: PlacementJob,
  ): number {
    const slot = this.free.pop() ?? this.next++;
    if (slot >= this.capacity) this.grow();
    // Room for the worst case, three bytes per UTF-16 unit.
    const most = specJson.length * 3;
    if (this.writeOffset + most > CHUNK_BYTES) {
      this.chunks.push(new Uint8Array(Math.max(CHUNK_BYTES, most)));
      this.chunkLive.push(0);
      this.writeOffset = 0;
    }
    const chunk = this.chunks.length - 1;
    const { written } = utf8.encodeInto(specJson, this.chunks[chunk]!.subarray(this.writeOffset));
    this.chunkLive[chunk]!++;
    this.chunkAt[slot] = chunk;
    this.offsetAt[slot] = this.writeOffset;
    this.lengthAt[slot] = written;
    this.writeOffset += written;

    this.seqs[slot] = seq;
    this.submitted[slot] = submittedAtMs;
    this.priorities[slot] = priority;
    this.reasons[slot] = reason;
    let entry = this.shapeJobs.get(shape);
    if (entry) entry.waiting++;
    else {
      entry = { shape, job: { ...placement, jobId: '' }, waiting: 1 };
      this.shapeJobs.set(shape, entry);
    }
    this.shapes[slot] = entry.shape;
    this.jobIds[slot] = jobId;
    this.count++;
    return slot;
  }

  /** Frees the slot; its spec bytes are dropped with their chunk. */
  remove(slot: number): void {
    if (this.jobIds[slot] === undefined) return;
    this.jobIds[slot] = undefined;
    const shape = this.shapes[slot]!;
    const entry = this.shapeJobs.get(shape);
    if (entry && --entry.waiting === 0) this.shapeJobs.delete(shape);
    this.reasons[slot] = '';
    this.shapes[slot] = '';
    const chunk = this.chunkAt[slot]!;
    if (--this.chunkLive[chunk]! === 0 && chunk < this.chunks.length - 1) {
      this.chunks[chunk] = undefined;
    }
    this.free.push(slot);
    this.count--;
  }

  jobId(slot: number): string {
    return this.jobIds[slot]!;
  }
  seq(slot: number): number {
    return this.seqs[slot]!;
  }
  priority(slot: number): number {
    return this.priorities[slot]!;
  }
  submittedAtMs(slot: number): number {
    return this.submitted[slot]!;
  }
  reason(slot: number): string {
    return this.reasons[slot]!;
  }
  setReason(slot: number, reason: string): void {
    this.reasons[slot] = reason;
  }
  shape(slot: number): string {
    return this.shapes[slot]!;
  }
  /** The job as placement sees it (its id left empty; placement never reads it). */
  placement(slot: number): PlacementJob {
    return this.shapeJobs.get(this.shapes[slot]!)!.job;
  }

  /** The spec, read back from the arena. */
  spec(slot: number): JobSpec {
    const chunk = this.chunks[this.chunkAt[slot]!]!;
    const start = this.offsetAt[slot]!;
    const text = fromUtf8.decode(chunk.subarray(start, start + this.lengthAt[slot]!));
    return decodeSpec(JSON.parse(text) as unknown);
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
    this.priorities = widen(this.priorities, (n) => new Int32Array(n));
    this.chunkAt = widen(this.chunkAt, (n) => new Int32Array(n));
    this.offsetAt = widen(this.offsetAt, (n) => new Int32Array(n));
    this.lengthAt = widen(this.lengthAt, (n) => new Int32Array(n));
    this.capacity = cap;
  }
}
