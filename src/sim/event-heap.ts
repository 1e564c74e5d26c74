/** The simulator's departures, earliest first. */
import { Heap } from '../util/heap.js';

export interface Departure {
  endS: number;
  /** Tie-break: departures at one instant leave in the order they were scheduled. */
  seq: number;
  jobIndex: number;
  nodeIndex: number;
}

/** Departures by end time, then in the order they were scheduled. */
export class DepartureHeap extends Heap<Departure> {
  constructor() {
    super((a, b) => a.endS < b.endS || (a.endS === b.endS && a.seq < b.seq));
  }
}
