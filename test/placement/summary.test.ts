/**
 * The one-line summary of a decision: counts by reason, dollars where money decided,
 * milliseconds where latency did, and the node chosen with its runner-up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransferPrices } from '../../src/cost/transfer.js';
import { place } from '../../src/placement/pipeline.js';
import { reasonPhrase, summarise } from '../../src/placement/summary.js';
import { REASONS } from '../../src/placement/types.js';
import { DEMO, LOCAL_GRID_NODES, LOCAL_GRID_TRANSFER, job, node } from '../helpers/local-grid.js';

const grid = new TransferPrices(LOCAL_GRID_TRANSFER);

test('summarise counts nodes over budget with the cheapest of them in dollars', () => {
  const nodes = [
    node({ nodeId: 'a', cpuCores: 1, memoryGb: 1, pricePerHourUsd: 7.2 }),
    node({ nodeId: 'b', cpuCores: 1, memoryGb: 1, pricePerHourUsd: 9 }),
    node({
      nodeId: 'c',
      pricePerHourUsd: 1,
      free: { cpuCores: 2, memoryGb: 0.5, gpuCount: 0, diskGb: 0 },
    }),
  ];
  const decision = place(job({ maxBudgetUsd: 5 }), nodes, grid);
  assert.equal(
    decision.summary,
    '0/3 nodes available: 2 over budget (cheapest $7.20 > $5.00), 1 insufficient memory',
  );
  assert.equal(decision.neverFits, false);
});

test('summarise names the chosen node and the runner-up with their costs', () => {
  const nodes = [
    node({ nodeId: 'dear', pricePerHourUsd: 0.5 }),
    node({ nodeId: 'cheap', pricePerHourUsd: 0.2 }),
    node({ nodeId: 'small', cpuCores: 0.5 }),
  ];
  assert.equal(
    place(job(), nodes, grid).summary,
    '2/3 nodes available: 1 too few cores in all; chose cheap at $0.10 (next dear $0.25)',
  );
});

test('summarise gives only the count when every node is available', () => {
  assert.equal(
    place(job(), [node({ nodeId: 'only' })], grid).summary,
    '1/1 nodes available; chose only at $0.10',
  );
});

test('summarise reads 0/0 nodes available when no node is known', () => {
  assert.equal(place(job(), [], grid).summary, '0/0 nodes available');
});

test('summarise orders reasons by how many nodes each rejected', () => {
  const nodes = [
    node({ nodeId: 'down', ready: false }),
    node({ nodeId: 'small-1', cpuCores: 0.5 }),
    node({ nodeId: 'small-2', cpuCores: 0.5 }),
    node({ nodeId: 'small-3', memoryGb: 0.5 }),
  ];
  assert.equal(
    place(job(), nodes, grid).summary,
    '0/4 nodes available: 2 too few cores in all, 1 down, 1 too little memory in all',
  );
});

test('summarise explains the etl-eu demo job in dollars and milliseconds', () => {
  assert.equal(
    place(DEMO.etlEu, LOCAL_GRID_NODES, grid).summary,
    '1/3 nodes available: 1 over latency limit (fastest 400021 ms > 60000 ms), ' +
      '1 over budget (cheapest $1.05 > $1.00); chose vps-2 at $0.05',
  );
});

test('summarise explains the train-gpu demo job by the size of the other nodes', () => {
  assert.equal(
    place(DEMO.trainGpu, LOCAL_GRID_NODES, grid).summary,
    '1/3 nodes available: 1 too little memory in all, 1 too few cores in all; ' +
      'chose cloud-gpu-3 at $0.75',
  );
});

test('summarise explains why the too-dear demo job can never run', () => {
  assert.equal(
    place(DEMO.tooDear, LOCAL_GRID_NODES, grid).summary,
    '0/3 nodes available: 2 too few cores in all, 1 over budget (cheapest $7.50 > $1.00)',
  );
});

test('summarise leaves the amount out when rejected verdicts carry no cost', () => {
  const line = summarise(
    job({ maxLatencyMs: 50 }),
    [
      { nodeId: 'a', reason: 'OVER_LATENCY', detail: '', retryable: false, cost: undefined },
      { nodeId: 'b', reason: 'OVER_BUDGET', detail: '', retryable: false, cost: undefined },
    ],
    undefined,
  );
  assert.equal(line, '0/2 nodes available: 1 over latency limit, 1 over budget');
});

test('reasonPhrase gives every reason code its own phrase', () => {
  const reasons = REASONS;
  const phrases = reasons.map(reasonPhrase);
  assert.equal(new Set(phrases).size, reasons.length);
  assert.equal(reasonPhrase('NODE_TOO_SMALL_GPU'), 'too few GPUs in all');
  assert.equal(reasonPhrase('INSUFFICIENT_MEMORY'), 'insufficient memory');
});
