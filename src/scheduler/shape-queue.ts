/**
 * The scheduler's waiting jobs, grouped by placement shape (every field of the job that
 * placement reads; see placement/engine.ts `shapeKey`). Two jobs of one shape get the same
 * decision, so when the first of a shape cannot be placed none behind it can: a placement
 * pass tries the head of each group in priority, then arrival, order and drops a group at
 * its first miss. A pass over a million waiting jobs of a few shapes costs a few decisions.
 *
 * Within a group, jobs are kept in the order PendingQueue (queue.ts) keeps them: one bucket
 * per priority, appended in seq order, a requeued job put back at its old place. A bucket
 * is a plain array of items with a byte per slot marking removed ones, so a waiting job
 * costs the queue about nine bytes; removal finds the slot by binary search on seq.
 */
import { Heap } from '../util/heap.js';

/** How the queue reads its items. Seqs are unique among live items. */
export interface QueueKeys<T> {
  seqOf(item: T): number;
  priorityOf(item: T): number;
  shapeOf(item: T): string;
}

class Bucket<T> {
  items: T[] = [];
  dead = new Uint8Array(16);
  /** Slots before this index are all dead. */
  head = 0;
  deadCount = 0;
}

class Group<T> {
  readonly buckets = new Map<number, Bucket<T>>();
  /** Priorities present, highest first. */
  priorities: number[] = [];
  live = 0;

  constructor(
    readonly shape: string,
    private readonly seqOf: (item: T) => number,
  ) {}

  add(item: T, priority: number): void {
    let bucket = this.buckets.get(priority);
    if (!bucket) {
      bucket = new Bucket<T>();
      this.buckets.set(priority, bucket);
      this.priorities.push(priority);
      this.priorities.sort((a, b) => b - a);
    }
    const items = bucket.items;
    const seq = this.seqOf(item);
    const last = items[items.length - 1];
    let at = items.length;
    if (last !== undefined && this.seqOf(last) > seq) at = this.lowerBound(bucket, seq);
    if (items.length + 1 > bucket.dead.length) {
      const grown = new Uint8Array(Math.max(16, bucket.dead.length * 2));
      grown.set(bucket.dead);
      bucket.dead = grown;
    }
    if (at === items.length) items.push(item);
    else {
      items.splice(at, 0, item);
      bucket.dead.copyWithin(at + 1, at, items.length - 1);
    }
    bucket.dead[at] = 0;
    this.live++;
  }

  /** Marks the item with `item`'s seq removed and returns it; undefined when none waits. */
  remove(item: T, priority: number): T | undefined {
    const bucket = this.buckets.get(priority);
    if (!bucket) return undefined;
    const seq = this.seqOf(item);
    const items = bucket.items;
    for (let i = this.lowerBound(bucket, seq); i < items.length; i++) {
      if (this.seqOf(items[i]!) !== seq) break;
      if (bucket.dead[i] === 1) continue;
      const removed = items[i]!;
      bucket.dead[i] = 1;
      bucket.deadCount++;
      this.live--;
      if (bucket.deadCount > 1024 && bucket.deadCount * 2 > items.length) this.compact(bucket);
      return removed;
    }
    return undefined;
  }

  /** The first waiting item in order, forgetting removed ones at the front. */
  first(): T | undefined {
    for (let p = 0; p < this.priorities.length; p++) {
      const priority = this.priorities[p]!;
      const bucket = this.buckets.get(priority)!;
      const items = bucket.items;
      while (bucket.head < items.length && bucket.dead[bucket.head] === 1) bucket.head++;
      if (bucket.head < items.length) return items[bucket.head];
      this.buckets.delete(priority);
      this.priorities.splice(p, 1);
      p--;
    }
    return undefined;
  }

  /** The waiting items in order (priority, then seq), without changing anything. */
  *ordered(): Generator<T> {
    for (const priority of this.priorities) {
      const bucket = this.buckets.get(priority)!;
      for (let i = bucket.head; i < bucket.items.length; i++) {
        if (bucket.dead[i] === 0) yield bucket.items[i]!;
      }
    }
  }

  private compact(bucket: Bucket<T>): void {
    const kept: T[] = [];
    for (let i = 0; i < bucket.items.length; i++) {
      if (bucket.dead[i] === 0) kept.push(bucket.items[i]!);
    }
    bucket.items = kept;
    bucket.dead = new Uint8Array(Math.max(16, kept.length * 2));
    bucket.head = 0;
    bucket.deadCount = 0;
  }

  private lowerBound(bucket: Bucket<T>, seq: number): number {
    let lo = bucket.head;
    let hi = bucket.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqOf(bucket.items[mid]!) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class ShapeQueue<T> {
  private readonly groups = new Map<string, Group<T>>();
  private count = 0;

  constructor(private readonly keys: QueueKeys<T>) {}

  get size(): number {
    return this.count;
  }

  /** Distinct shapes waiting. */
  get shapes(): number {
    return this.groups.size;
  }

  /** Adds an item that is not waiting yet. */
  add(item: T): void {
    const shape = this.keys.shapeOf(item);
    let group = this.groups.get(shape);
    if (!group) {
      group = new Group<T>(shape, this.keys.seqOf);
      this.groups.set(shape, group);
    }
    group.add(item, this.keys.priorityOf(item));
    this.count++;
  }

  /**
   * Takes out the waiting item with `item`'s seq (and shape and priority) and returns it,
   * which may be another object than `item`; undefined when there is none.
   */
  remove(item: T): T | undefined {
    const group = this.groups.get(this.keys.shapeOf(item));
    const removed = group?.remove(item, this.keys.priorityOf(item));
    if (group === undefined || removed === undefined) return undefined;
    this.count--;
    if (group.live === 0) this.groups.delete(group.shape);
    return removed;
  }

  /**
   * The first `limit` waiting items in queue order (priority, then arrival), across every
   * shape; the queue is left as it is. Costs about limit x log(shapes).
   */
  peek(limit: number): T[] {
    interface Head extends Ranked {
      items: Iterator<T>;
      item: T;
    }
    const heads = new Heap<Head>(before);
    const push = (items: Iterator<T>): void => {
      const next = items.next();
      if (next.done) return;
      const item = next.value;
      heads.push({ items, item, priority: this.keys.priorityOf(item), seq: this.keys.seqOf(item) });
    };
    for (const group of this.groups.values()) push(group.ordered());

    const out: T[] = [];
    while (out.length < limit) {
      const top = heads.pop();
      if (!top) break;
      out.push(top.item);
      push(top.items);
    }
    return out;
  }

  /** Starts a placement pass over the groups waiting now. */
  pass(): ShapePass<T> {
    return new ShapePass<T>(this.groups.values(), this.keys);
  }
}

interface HeapEntry<T> extends Ranked {
  group: Group<T>;
  head: T;
}

/**
 * One placement pass: `next()` gives the earliest waiting job among the groups still in
 * the pass; the caller then says `placed()` (the job left the queue, its group goes on
 * with its next job) or lets the group drop out by calling `next()` again.
 */
export class ShapePass<T> {
  /** Groups by their head, as of when each was pushed. */
  private readonly heap = new Heap<HeapEntry<T>>(before);
  private current: Group<T> | undefined;

  constructor(
    groups: Iterable<Group<T>>,
    private readonly keys: QueueKeys<T>,
  ) {
    for (const group of groups) {
      const head = group.first();
      if (head !== undefined) this.heap.push(this.entry(group, head));
    }
  }

  /** Groups still in the pass. */
  get remaining(): number {
    return this.heap.size;
  }

  /** The earliest waiting job of the groups left, or undefined when the pass is over. */
  next(): T | undefined {
    this.current = undefined;
    for (let top = this.heap.peek(); top !== undefined; top = this.heap.peek()) {
      const head = top.group.first();
      if (head === undefined) {
        this.heap.pop();
        continue;
      }
      // The group changed since it was pushed (its head left, or an earlier job came back).
      if (head !== top.head) {
        this.heap.replaceTop(this.entry(top.group, head));
        continue;
      }
      this.heap.pop();
      this.current = top.group;
      return head;
    }
    return undefined;
  }

  /** The job `next()` gave was placed: its group stays in the pass with its next job. */
  placed(): void {
    const group = this.current;
    this.current = undefined;
    const head = group?.first();
    if (!group || head === undefined) return;
    this.heap.push(this.entry(group, head));
  }

  private entry(group: Group<T>, head: T): HeapEntry<T> {
    return { group, head, priority: this.keys.priorityOf(head), seq: this.keys.seqOf(head) };
  }
}

/** What both heaps order by. */
interface Ranked {
  priority: number;
  seq: number;
}

/** True when `a` comes before `b`: higher priority, then lower seq. */
function before(a: Ranked, b: Ranked): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
}
