/** The price sheet: node prices from components, owned capacity, validation, the sample. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadPriceSheet, parsePriceSheet, priceNode } from '../../src/sim/price-sheet.js';
import { SAMPLE_SHEET } from './build.js';

const sheet = parsePriceSheet({
  gpuPerHourUsd: { T4: 0.35 },
  corePerHourUsd: 0.03,
  memoryGbPerHourUsd: 0.004,
  owned: { runningCostShare: 0.1, opportunityCostShare: 0.3 },
});

test('price sheet prices a node as GPUs, cores and memory at their component prices', () => {
  const price = priceNode(sheet, { cpuCores: 8, memoryGb: 32, gpuCount: 2, gpuModel: 'T4' }, false);
  assert.ok(Math.abs(price.pricePerHourUsd - (2 * 0.35 + 8 * 0.03 + 32 * 0.004)) < 1e-12);
  assert.equal(price.opportunityCostPerHourUsd, 0);
});

test('price sheet charges owned nodes the running-cost share and the rest as opportunity', () => {
  const list = 4 * 0.03 + 16 * 0.004;
  const price = priceNode(sheet, { cpuCores: 4, memoryGb: 16, gpuCount: 0, gpuModel: '' }, true);
  assert.ok(Math.abs(price.pricePerHourUsd - list * 0.1) < 1e-12);
  assert.ok(Math.abs(price.opportunityCostPerHourUsd - list * 0.3) < 1e-12);
});

test('price sheet refuses a GPU model it has no price for, naming the model', () => {
  assert.throws(
    () => priceNode(sheet, { cpuCores: 1, memoryGb: 1, gpuCount: 1, gpuModel: 'H100' }, false),
    /no price for GPU model "H100" \(has T4\)/,
  );
});

test('price sheet refuses a negative price, naming the field and the value', () => {
  assert.throws(
    () => parsePriceSheet({ gpuPerHourUsd: {}, corePerHourUsd: -1, memoryGbPerHourUsd: 0 }),
    /invalid corePerHourUsd -1: must be a number >= 0/,
  );
  assert.throws(
    () =>
      parsePriceSheet({
        gpuPerHourUsd: {},
        corePerHourUsd: 0,
        memoryGbPerHourUsd: 0,
        transfer: { links: { 'a-b': { pricePerGbUsd: 0, bandwidthGbps: 1 } } },
      }),
    /transfer\.links\.a-b/,
  );
});

test('sample price sheet names a source for every price it sets', () => {
  const sample = loadPriceSheet(SAMPLE_SHEET);
  for (const model of Object.keys(sample.gpuPerHourUsd)) {
    assert.ok(sample.sources[model], `no source for ${model}`);
  }
  for (const key of ['corePerHourUsd', 'memoryGbPerHourUsd', 'transfer.default']) {
    assert.ok(sample.sources[key], `no source for ${key}`);
  }
  // Every Alibaba trace model has a price.
  for (const model of ['G2', 'G3', 'T4', 'P100', 'V100M16', 'V100M32', 'A10']) {
    assert.ok(sample.gpuPerHourUsd[model]! > 0, model);
  }
  assert.match(readFileSync(SAMPLE_SHEET, 'utf8'), /Assumption/);
});
