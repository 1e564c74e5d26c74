/** A binary min-heap of departures, ordered by end time and then by insertion. */

export interface Departure {
  endS: number;
  /** Tie-break: departures at one instant leave in the order they were scheduled. */
  seq: number;
  jobIndex: number;
  nodeIndex: number;
}

export class DepartureHeap {
  private readonly items: Departure[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The earliest departure, without removing it. */
  peek(): Departure | undefined {
    return this.items[0];
  }

  push(item: Departure): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): Departure | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Departure, b: Departure): boolean {
  return a.endS < b.endS || (a.endS === b.endS && a.seq < b.seq);
}
