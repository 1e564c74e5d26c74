/**
 * Group commit. Changes made during one turn of the event loop are merged into one batch
 * and committed together; each caller's promise resolves once its change is durable. Only
 * one commit runs at a time, so batches reach the store in the order they were made.
 */
import { emptyBatch, type Store, type WriteBatch } from './store.js';

export class WriteQueue {
  private next: WriteBatch = emptyBatch();
  private waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private scheduled = false;
  private running: Promise<void> = Promise.resolve();

  /**
   * `onCommitted` hears of each batch once it is durable (the scheduler tells watchers of
   * its events then), `onFailed` of each batch that could not be committed.
   */
  constructor(
    private readonly store: Store,
    private readonly onCommitted: (batch: WriteBatch) => void = () => {},
    private readonly onFailed: (err: Error) => void = () => {},
  ) {}

  /** The batch being gathered now; add to it, then call `flush()` and await the result. */
  get batch(): WriteBatch {
    return this.next;
  }

  /** Resolves once everything added so far is durable. */
  flush(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.commitSoon();
    return done;
  }

  /** Makes sure what was added gets committed, for a change no caller waits for. */
  commitSoon(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.commitNow());
    }
  }

  private commitNow(): void {
    const batch = this.next;
    const waiters = this.waiters;
    this.next = emptyBatch();
    this.waiters = [];
    this.scheduled = false;

    this.running = this.running.then(async () => {
      try {
        await this.store.commit(dedupe(batch));
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        this.onFailed(error);
        for (const w of waiters) w.reject(error);
        return;
      }
      this.onCommitted(batch);
      for (const w of waiters) w.resolve();
    });
  }

  /** Resolves when no commit is running or waiting. */
  async idle(): Promise<void> {
    while (this.scheduled) await new Promise((r) => setImmediate(r));
    await this.running;
  }
}

/** A job or node changed several times in one batch is written once, in its last form. */
function dedupe(batch: WriteBatch): WriteBatch {
  const jobs = new Map(batch.jobs.map((j) => [j.jobId, j]));
  const nodes = new Map(batch.nodes.map((n) => [n.nodeId, n]));
  return { ...batch, jobs: [...jobs.values()], nodes: [...nodes.values()] };
}
