/**
 * Jobs waiting for a node, in the order they are offered capacity: higher priority first,
 * then earlier arrival (the job's seq). One bucket per priority keeps inserts cheap for
 * long queues; removal is lazy, and stale entries are compacted away in bulk.
 */

interface Entry<T> {
  seq: number;
  item: T;
  token: number;
}

export class PendingQueue<T extends { seq: number }> {
  private readonly buckets = new Map<number, Entry<T>[]>();
  /** Priorities present, highest first. */
  private priorities: number[] = [];
  /** The live entry token of each member, by key. */
  private readonly members = new Map<string, number>();
  private nextToken = 1;
  private stale = 0;

  constructor(private readonly keyOf: (item: T) => string) {}

  get size(): number {
    return this.members.size;
  }

  has(key: string): boolean {
    return this.members.has(key);
  }

  add(item: T, priority: number): void {
    const key = this.keyOf(item);
    const token = this.nextToken++;
    if (this.members.has(key)) this.stale++;
    this.members.set(key, token);

    let bucket = this.buckets.get(priority);
    if (!bucket) {
      bucket = [];
      this.buckets.set(priority, bucket);
      this.priorities.push(priority);
      this.priorities.sort((a, b) => b - a);
    }
    // Arrivals come in seq order and append; a requeued job goes back to its old place.
    const entry = { seq: item.seq, item, token };
    const last = bucket[bucket.length - 1];
    if (!last || last.seq <= item.seq) bucket.push(entry);
    else bucket.splice(lowerBound(bucket, item.seq), 0, entry);
  }

  remove(key: string): boolean {
    if (!this.members.delete(key)) return false;
    this.stale++;
    if (this.stale > 1024 && this.stale > this.members.size) this.compact();
    return true;
  }

  /** Members in order, over a snapshot: adding or removing while iterating is allowed. */
  *ordered(): Generator<T> {
    for (const priority of [...this.priorities]) {
      const bucket = this.buckets.get(priority);
      if (!bucket) continue;
      for (const entry of bucket.slice()) {
        if (this.members.get(this.keyOf(entry.item)) === entry.token) yield entry.item;
      }
    }
  }

  /** Drops entries whose item was removed or re-added since. */
  private compact(): void {
    for (const [priority, bucket] of this.buckets) {
      const live = bucket.filter((e) => this.members.get(this.keyOf(e.item)) === e.token);
      if (live.length > 0) this.buckets.set(priority, live);
      else this.buckets.delete(priority);
    }
    this.priorities = this.priorities.filter((p) => this.buckets.has(p));
    this.stale = 0;
  }
}

function lowerBound<T>(bucket: Entry<T>[], seq: number): number {
  let lo = 0;
  let hi = bucket.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bucket[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
