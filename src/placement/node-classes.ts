/**
 * Nodes grouped into classes of identical shape, price, location, labels and executors.
 * Every node of a class gets the same verdict from the permanent filters and the same
 * Formula 4.1 price, so those are worked out once per class. What differs between members
 * (readiness and free capacity) is kept in typed arrays, one slot per member in node-id
 * order, and counted per job demand by `DemandCounter`s that each change of a member
 * keeps up to date.
 */
import type { PlacementNode } from './types.js';

/** Transient outcome codes of one member for one demand, in the order the filters run. */
export const DOWN = 0;
export const SHORT_CPU = 1;
export const SHORT_MEMORY = 2;
export const SHORT_GPU = 3;
export const SHORT_DISK = 4;
export const FITS = 5;

/** The reason codes of the transient outcomes, by code. */
export const TRANSIENT_REASONS = [
  'NODE_DOWN',
  'INSUFFICIENT_CPU',
  'INSUFFICIENT_MEMORY',
  'INSUFFICIENT_GPU',
  'INSUFFICIENT_DISK',
  'FEASIBLE',
] as const;

/** Counters kept per class; past it the least recently used is dropped. */
const COUNTERS_PER_CLASS = 32;

/** Everything the permanent filters and the price read from a node, as one string. */
export function classKey(node: PlacementNode): string {
  const labels = Object.entries(node.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    node.cpuCores,
    node.memoryGb,
    node.gpuCount,
    node.gpuModel,
    node.diskGb,
    node.pricePerHourUsd,
    node.opportunityCostPerHourUsd,
    node.location,
    node.startupMs,
    node.rttMs,
    node.executors,
    labels,
  ]);
}

/** A member's place in the engine: its node, class, slot in the class, and arrival. */
export interface Slot {
  node: PlacementNode;
  cls: NodeClass;
  /** Index in the class's member arrays; moves when members are added or removed. */
  index: number;
  /** Order in which the engine first saw the node; the flat scan judges nodes in it. */
  ordinal: number;
}

/**
 * How the members of one class fare against one demand (cpu, memory, GPUs, disk): a count
 * per transient outcome, and the lowest member index that fits (members are in node-id
 * order, so that is the class's pick).
 */
export class DemandCounter {
  readonly counts = new Int32Array(6);
  /** Lowest fitting index when `firstKnown`; otherwise no index below it fits. */
  first = 0;
  firstKnown = false;
  /** Cleared when the class's membership changes; the owner then builds a new one. */
  valid = true;
  lastUsed = 0;

  constructor(
    readonly cpuCores: number,
    readonly memoryGb: number,
    readonly gpuCount: number,
    readonly diskGb: number,
  ) {}
}

/** One class of identical nodes. */
export class NodeClass {
  /** A member as the permanent filters see it: ready, with all its capacity free. */
  readonly probe: PlacementNode;
  readonly members: Slot[] = [];
  size = 0;
  readyCount = 0;
  /** Lowest ordinal among the members; Infinity when empty. */
  minOrdinal = Infinity;

  // Free capacity and readiness by member index.
  cpu: Float64Array<ArrayBuffer> = new Float64Array(4);
  mem: Float64Array<ArrayBuffer> = new Float64Array(4);
  gpu: Float64Array<ArrayBuffer> = new Float64Array(4);
  disk: Float64Array<ArrayBuffer> = new Float64Array(4);
  ready: Uint8Array<ArrayBuffer> = new Uint8Array(4);

  /** Largest free amount per dimension among ready members, exact unless `maxDirty`. */
  private readonly maxFree = new Float64Array(4);
  private readonly maxCount = new Int32Array(4);
  private maxDirty = true;
  private readonly counters = new Map<string, DemandCounter>();

  constructor(
    readonly index: number,
    readonly key: string,
    sample: PlacementNode,
  ) {
    // The probe has no id of its own, so compareFeasible sees equal offers as equal.
    this.probe = {
      nodeId: '',
      ready: true,
      cpuCores: sample.cpuCores,
      memoryGb: sample.memoryGb,
      gpuCount: sample.gpuCount,
      gpuModel: sample.gpuModel,
      diskGb: sample.diskGb,
      labels: { ...sample.labels },
      executors: [...sample.executors],
      pricePerHourUsd: sample.pricePerHourUsd,
      opportunityCostPerHourUsd: sample.opportunityCostPerHourUsd,
      location: sample.location,
      startupMs: sample.startupMs,
      rttMs: sample.rttMs,
      // With everything free, fitsFree passes exactly when fitsNode did.
      free: {
        cpuCores: sample.cpuCores,
        memoryGb: sample.memoryGb,
        gpuCount: sample.gpuCount,
        diskGb: sample.diskGb,
      },
    };
  }

  /** Adds `slot` in node-id order and reads its state; the class's counters start over. */
  insert(slot: Slot): void {
    const id = slot.node.nodeId;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.members[mid]!.node.nodeId < id) lo = mid + 1;
      else hi = mid;
    }
    this.grow(this.size + 1);
    for (const arr of [this.cpu, this.mem, this.gpu, this.disk]) {
      arr.copyWithin(lo + 1, lo, this.size);
    }
    this.ready.copyWithin(lo + 1, lo, this.size);
    this.members.splice(lo, 0, slot);
    this.size++;
    for (let i = lo; i < this.size; i++) this.members[i]!.index = i;
    slot.cls = this;
    this.ready[lo] = 0;
    this.minOrdinal = Math.min(this.minOrdinal, slot.ordinal);
    this.dropCounters();
    this.write(lo, slot.node);
  }

  /** Takes out the member at `index`; the class's counters start over. */
  removeAt(index: number): void {
    if (this.ready[index] === 1) this.readyCount--;
    for (const arr of [this.cpu, this.mem, this.gpu, this.disk]) {
      arr.copyWithin(index, index + 1, this.size);
    }
    this.ready.copyWithin(index, index + 1, this.size);
    this.members.splice(index, 1);
    this.size--;
    for (let i = index; i < this.size; i++) this.members[i]!.index = i;
    this.minOrdinal = Infinity;
    for (const m of this.members) this.minOrdinal = Math.min(this.minOrdinal, m.ordinal);
    this.maxDirty = true;
    this.dropCounters();
  }

  /**
   * Reads the member's readiness and free capacity again and moves every counter by the
   * difference. Returns +1, -1 or 0: how the member's "has room" state changed.
   */
  refresh(index: number): number {
    const counters = this.counters;
    const before = this.hasRoomAt(index);
    if (counters.size > 0) {
      for (const c of counters.values()) {
        const code = this.outcome(index, c.cpuCores, c.memoryGb, c.gpuCount, c.diskGb);
        c.counts[code]!--;
        if (code === FITS && c.firstKnown && c.first === index) c.firstKnown = false;
      }
    }
    this.write(index, this.members[index]!.node);
    if (counters.size > 0) {
      for (const c of counters.values()) {
        const code = this.outcome(index, c.cpuCores, c.memoryGb, c.gpuCount, c.diskGb);
        c.counts[code]!++;
        // No index below `first` fits; one that starts to fit there is the new lowest.
        if (code === FITS && index <= c.first) {
          c.first = index;
          c.firstKnown = true;
        }
      }
    }
    return Number(this.hasRoomAt(index)) - Number(before);
  }

  /** The transient outcome of member `i`: the same steps, in the same order, as fitsFree. */
  outcome(i: number, cpuCores: number, memoryGb: number, gpuCount: number, diskGb: number): number {
    if (this.ready[i] === 0) return DOWN;
    if (cpuCores > this.cpu[i]! + 1e-9) return SHORT_CPU;
    if (memoryGb > this.mem[i]! + 1e-9) return SHORT_MEMORY;
    if (gpuCount > this.gpu[i]! + 1e-9) return SHORT_GPU;
    if (diskGb > this.disk[i]! + 1e-9) return SHORT_DISK;
    return FITS;
  }

  /** The counter for a demand, built by one pass over the members if it is not kept. */
  counter(
    key: string,
    cpuCores: number,
    memoryGb: number,
    gpuCount: number,
    diskGb: number,
    tick: number,
  ): DemandCounter {
    let c = this.counters.get(key);
    if (!c) {
      if (this.counters.size >= COUNTERS_PER_CLASS) this.evictOldest();
      c = new DemandCounter(cpuCores, memoryGb, gpuCount, diskGb);
      let first = -1;
      for (let i = 0; i < this.size; i++) {
        const code = this.outcome(i, cpuCores, memoryGb, gpuCount, diskGb);
        c.counts[code]!++;
        if (code === FITS && first < 0) first = i;
      }
      c.first = first < 0 ? this.size : first;
      c.firstKnown = true;
      this.counters.set(key, c);
    }
    c.lastUsed = tick;
    return c;
  }

  /**
   * Up to `limit` fitting member slots, lowest node id first, appended to `out`. Walks
   * from the counter's lowest fitting index, so a full class costs one step.
   */
  collectFitting(c: DemandCounter, limit: number, out: Slot[]): void {
    if (c.counts[FITS] === 0 || limit <= 0) return;
    let i = c.first;
    if (!c.firstKnown) {
      while (
        i < this.size &&
        this.outcome(i, c.cpuCores, c.memoryGb, c.gpuCount, c.diskGb) !== FITS
      )
        i++;
      c.first = i;
      c.firstKnown = true;
    }
    let found = 0;
    for (; i < this.size && found < limit; i++) {
      if (this.outcome(i, c.cpuCores, c.memoryGb, c.gpuCount, c.diskGb) === FITS) {
        out.push(this.members[i]!);
        found++;
      }
    }
  }

  /** Lowest ordinal among members with transient outcome `code` for the counter's demand. */
  firstOrdinalOf(c: DemandCounter, code: number): number {
    let best = Infinity;
    for (let i = 0; i < this.size; i++) {
      if (this.outcome(i, c.cpuCores, c.memoryGb, c.gpuCount, c.diskGb) !== code) continue;
      best = Math.min(best, this.members[i]!.ordinal);
    }
    return best;
  }

  /** False when no ready member has `demand` free in every dimension (by the maxima). */
  mightFit(cpuCores: number, memoryGb: number, gpuCount: number, diskGb: number): boolean {
    if (this.readyCount === 0) return false;
    if (this.maxDirty) this.recomputeMax();
    const m = this.maxFree;
    return !(
      cpuCores > m[0]! + 1e-9 ||
      memoryGb > m[1]! + 1e-9 ||
      gpuCount > m[2]! + 1e-9 ||
      diskGb > m[3]! + 1e-9
    );
  }

  /** A ready member with some CPU and memory free, as the scheduler's pass asks. */
  hasRoomAt(i: number): boolean {
    return this.ready[i] === 1 && this.cpu[i]! > 1e-9 && this.mem[i]! > 1e-9;
  }

  private write(i: number, node: PlacementNode): void {
    const wasReady = this.ready[i] === 1;
    if (wasReady) this.forgetMax(i);
    const free = node.free;
    this.cpu[i] = free.cpuCores;
    this.mem[i] = free.memoryGb;
    this.gpu[i] = free.gpuCount;
    this.disk[i] = free.diskGb;
    const isReady = node.ready;
    this.ready[i] = isReady ? 1 : 0;
    this.readyCount += Number(isReady) - Number(wasReady);
    if (isReady) this.noteMax(i);
  }

  // The maxima are kept with the number of ready members at each; they are recomputed only
  // when the last member at a maximum shrinks or goes down.
  private forgetMax(i: number): void {
    if (this.maxDirty) return;
    const dims = this.dims();
    for (let d = 0; d < 4; d++) {
      if (dims[d]![i] === this.maxFree[d] && --this.maxCount[d]! === 0) this.maxDirty = true;
    }
  }

  private noteMax(i: number): void {
    if (this.maxDirty) return;
    const dims = this.dims();
    for (let d = 0; d < 4; d++) {
      const v = dims[d]![i]!;
      if (v > this.maxFree[d]!) {
        this.maxFree[d] = v;
        this.maxCount[d] = 1;
      } else if (v === this.maxFree[d]) {
        this.maxCount[d]!++;
      }
    }
  }

  private recomputeMax(): void {
    this.maxFree.fill(-Infinity);
    this.maxCount.fill(0);
    this.maxDirty = false;
    for (let i = 0; i < this.size; i++) if (this.ready[i] === 1) this.noteMax(i);
  }

  private dims(): [Float64Array, Float64Array, Float64Array, Float64Array] {
    return [this.cpu, this.mem, this.gpu, this.disk];
  }

  private grow(size: number): void {
    if (size <= this.cpu.length) return;
    const cap = Math.max(size, this.cpu.length * 2);
    const widen = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.cpu = widen(this.cpu);
    this.mem = widen(this.mem);
    this.gpu = widen(this.gpu);
    this.disk = widen(this.disk);
    const ready = new Uint8Array(cap);
    ready.set(this.ready);
    this.ready = ready;
  }

  private dropCounters(): void {
    for (const c of this.counters.values()) c.valid = false;
    this.counters.clear();
  }

  private evictOldest(): void {
    let oldestKey: string | undefined;
    let oldest = Infinity;
    for (const [key, c] of this.counters) {
      if (c.lastUsed < oldest) {
        oldest = c.lastUsed;
        oldestKey = key;
      }
    }
    if (oldestKey === undefined) return;
    this.counters.get(oldestKey)!.valid = false;
    this.counters.delete(oldestKey);
  }
}
