/**
 * The transfer table behind C_data and transfer time: same location, links as written,
 * reverse fallback, default; then properties over seeded random tables.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseTransfer } from '../../src/config/config.js';
import { priceJob } from '../../src/cost/formula.js';
import {
  DEFAULT_TRANSFER,
  TransferPrices,
  type TransferConfig,
  type TransferLink,
} from '../../src/cost/transfer.js';
import { LOCAL_GRID_TRANSFER, job, node } from '../helpers/local-grid.js';
import { seeded } from '../helpers/random.js';

const grid = new TransferPrices(LOCAL_GRID_TRANSFER);

test('TransferPrices uses sameLocation inside one location', () => {
  assert.deepEqual(grid.link('eu-1', 'eu-1'), { pricePerGbUsd: 0, bandwidthGbps: 10 });
  assert.deepEqual(grid.link('nowhere', 'nowhere'), { pricePerGbUsd: 0, bandwidthGbps: 10 });
});

test('TransferPrices uses a link in the direction it is written', () => {
  assert.deepEqual(grid.link('office', 'eu-1'), { pricePerGbUsd: 0.01, bandwidthGbps: 1 });
  assert.deepEqual(grid.link('eu-1', 'us-east'), { pricePerGbUsd: 0.02, bandwidthGbps: 2 });
});

test('TransferPrices serves the reverse direction from a one-way link', () => {
  assert.deepEqual(grid.link('eu-1', 'office'), { pricePerGbUsd: 0.01, bandwidthGbps: 1 });
  assert.deepEqual(grid.link('us-east', 'office'), { pricePerGbUsd: 0.05, bandwidthGbps: 0.5 });
});

test('TransferPrices prefers a reverse link of its own to the fallback', () => {
  const prices = new TransferPrices({
    ...DEFAULT_TRANSFER,
    links: {
      'a->b': { pricePerGbUsd: 0.01, bandwidthGbps: 1 },
      'b->a': { pricePerGbUsd: 0.05, bandwidthGbps: 5 },
    },
  });
  assert.equal(prices.link('a', 'b').pricePerGbUsd, 0.01);
  assert.equal(prices.link('b', 'a').pricePerGbUsd, 0.05);
});

test('TransferPrices falls back to default between locations without a link', () => {
  assert.deepEqual(grid.link('office', 'ap-south'), { pricePerGbUsd: 0.09, bandwidthGbps: 1 });
  assert.deepEqual(grid.link('ap-south', 'eu-1'), { pricePerGbUsd: 0.09, bandwidthGbps: 1 });
});

test('TransferPrices defaults to $0.09/GB at 1 Gbps, free at 10 Gbps inside a location', () => {
  const prices = new TransferPrices();
  assert.deepEqual(prices.link('x', 'y'), { pricePerGbUsd: 0.09, bandwidthGbps: 1 });
  assert.deepEqual(prices.link('x', 'x'), { pricePerGbUsd: 0, bandwidthGbps: 10 });
});

test('parseTransfer reads the transfer section of config/local-grid.json', () => {
  const file = JSON.parse(readFileSync('config/local-grid.json', 'utf8')) as {
    transfer: unknown;
  };
  const prices = new TransferPrices(parseTransfer(file.transfer));
  for (const [from, to] of [
    ['office', 'eu-1'],
    ['eu-1', 'office'],
    ['us-east', 'eu-1'],
    ['office', 'us-east'],
    ['office', 'office'],
    ['eu-1', 'ap-south'],
  ] as const) {
    assert.deepEqual(prices.link(from, to), grid.link(from, to), `${from}->${to}`);
  }
});

test('parseTransfer falls back to DEFAULT_TRANSFER when the section is missing', () => {
  assert.deepEqual(parseTransfer(undefined), DEFAULT_TRANSFER);
});

test('priceJob charges C_data as GB x the link price from the data to the node', () => {
  const onOffice = node({ nodeId: 'o', location: 'office' });
  const cost = priceJob(job({ inputDataGb: 50, dataLocation: 'eu-1' }), onOffice, grid);
  assert.ok(Math.abs(cost.dataTransferUsd - 0.5) < 1e-12);
});

// Properties over seeded random inputs.

const CASES = 500;
const PLACES = ['a', 'b', 'c', 'd', 'e', 'f'];

test('priceJob charges no C_data in the data location under the default sameLocation', () => {
  const r = seeded(51);
  const prices = new TransferPrices();
  for (let i = 0; i < CASES; i++) {
    const where = r.pick(PLACES);
    const j = job({ inputDataGb: r.real(0, 10_000), dataLocation: where });
    const n = node({ nodeId: 'n', location: where, pricePerHourUsd: r.real(0, 5) });
    assert.equal(priceJob(j, n, prices).dataTransferUsd, 0, `case ${i}`);
  }
});

test('TransferPrices answers both directions of a one-way link with that link', () => {
  const r = seeded(52);
  for (let i = 0; i < CASES; i++) {
    const links: Record<string, TransferLink> = {};
    for (let k = r.int(1, 6); k > 0; k--) {
      const from = r.pick(PLACES);
      const to = r.pick(PLACES.filter((p) => p !== from));
      links[`${from}->${to}`] = { pricePerGbUsd: r.real(0, 1), bandwidthGbps: r.real(0.1, 10) };
    }
    const config: TransferConfig = { ...DEFAULT_TRANSFER, links };
    const prices = new TransferPrices(config);

    for (const [key, link] of Object.entries(links)) {
      const [from = '', to = ''] = key.split('->');
      assert.equal(prices.link(from, to), link, `case ${i}: ${key}`);
      const reverse = links[`${to}->${from}`] ?? link;
      assert.equal(prices.link(to, from), reverse, `case ${i}: reverse of ${key}`);
    }
    const from = r.pick(PLACES);
    const to = r.pick(PLACES);
    if (from !== to && !links[`${from}->${to}`] && !links[`${to}->${from}`]) {
      assert.equal(prices.link(from, to), DEFAULT_TRANSFER.default, `case ${i}: default`);
    }
  }
});
