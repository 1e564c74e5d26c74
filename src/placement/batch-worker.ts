/**
 * The batch solver's thread (see batch-thread.ts): places each batch it is sent with
 * placeBatch, off the scheduler's event loop, and posts back where each job goes.
 */
import { parentPort } from 'node:worker_threads';
import { TransferPrices } from '../cost/transfer.js';
import { loadBatchSolver, placeBatch } from './batch.js';
import type { BatchReply, BatchRequest } from './batch-thread.js';

const port = parentPort;
if (!port) throw new Error('batch-worker.ts runs only as a worker thread');

/** Transfer tables are the same from batch to batch; built once per distinct table. */
let transfer: { json: string; prices: TransferPrices } | undefined;

port.on('message', (request: BatchRequest) => {
  void solve(request).then((reply) => port.postMessage(reply));
});

async function solve(request: BatchRequest): Promise<BatchReply> {
  try {
    await loadBatchSolver();
    const json = JSON.stringify(request.transfer);
    if (transfer?.json !== json) transfer = { json, prices: new TransferPrices(request.transfer) };
    const result = placeBatch(request.jobs, request.nodes, transfer.prices, request.options);
    return {
      id: request.id,
      placements: result.placements.map((p) => [p.jobId, p.nodeId]),
      stats: result.stats,
    };
  } catch (err) {
    return { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
}
