/**
 * Batch placement off the event loop. One worker thread runs placeBatch (HiGHS included)
 * on a snapshot of the waiting jobs and the ready nodes, so a solve of a second or two
 * never stalls the scheduler's gRPC service, heartbeats or commits. The caller checks each
 * placement against the live state before applying it: nodes and jobs move on while the
 * thread works.
 */
import { Worker } from 'node:worker_threads';
import type { TransferConfig } from '../cost/transfer.js';
import type { BatchOptions, BatchStats } from './batch.js';
import type { PlacementJob, PlacementNode } from './types.js';

export interface BatchRequest {
  id: number;
  jobs: PlacementJob[];
  /** Plain snapshots (class-lp.ts snapshotNode): free capacity as of the request. */
  nodes: PlacementNode[];
  transfer: TransferConfig;
  options: BatchOptions;
}

export type BatchReply =
  | { id: number; placements: [jobId: string, nodeId: string][]; stats: BatchStats }
  | { id: number; error: string };

/** What a solve gives: where each placed job goes, in queue order, and how it went. */
export interface BatchOutcome {
  placements: [jobId: string, nodeId: string][];
  stats: BatchStats;
}

// The thread loads TypeScript the way the process did (tsx), whatever started the process.
const TSX_API = import.meta.resolve('tsx/esm/api');
const ENTRY = new URL('./batch-worker.ts', import.meta.url).href;
const BOOT =
  `import(${JSON.stringify(TSX_API)})` +
  `.then((tsx) => { tsx.register(); return import(${JSON.stringify(ENTRY)}); })`;

export class BatchThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (o: BatchOutcome) => void; reject: (e: Error) => void }
  >();
  private closed = false;

  /** Places `jobs` on `nodes` in the thread; rejects if the thread fails or dies. */
  solve(
    jobs: PlacementJob[],
    nodes: PlacementNode[],
    transfer: TransferConfig,
    options: BatchOptions,
  ): Promise<BatchOutcome> {
    if (this.closed) return Promise.reject(new Error('batch thread closed'));
    const worker = this.start();
    const id = this.nextId++;
    // A solve under way keeps the process alive; an idle thread does not.
    worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const request: BatchRequest = { id, jobs, nodes, transfer, options };
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error('batch thread closed'));
    if (worker) await worker.terminate();
  }

  /** The running thread, started (again, after a crash) when needed. */
  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(BOOT, { eval: true });
    worker.on('message', (reply: BatchReply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      if ('error' in reply) waiter.reject(new Error(reply.error));
      else waiter.resolve({ placements: reply.placements, stats: reply.stats });
    });
    const lost = (err: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(err);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`batch thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}
