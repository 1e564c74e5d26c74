/** Reports, the SVG picture, the LP bound and the `tgp simulate` command. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { buildProgram } from '../../src/cli/main.js';
import { TransferPrices } from '../../src/cost/transfer.js';
import { staticLpBound } from '../../src/sim/lp-bound.js';
import { quantile } from '../../src/sim/report.js';
import { renderSvg } from '../../src/sim/svg.js';
import { FIXTURES, job, node } from './build.js';

test('report quantiles take the nearest rank', () => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(quantile(sorted, 0.5), 5);
  assert.equal(quantile(sorted, 0.95), 10);
  assert.equal(quantile([], 0.5), 0);
});

test('SVG has one line per policy in each chart and escapes labels', () => {
  const points = [
    { tS: 0, costUsd: 0, cpuShare: 0, memoryShare: 0, gpuShare: 0 },
    { tS: 100, costUsd: 5, cpuShare: 0.5, memoryShare: 0.2, gpuShare: 0.25 },
  ];
  const svg = renderSvg(
    [
      { label: 'tgp', points },
      { label: 'a<b', points },
    ],
    'test & chart',
  );
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 4);
  assert.match(svg, /a&lt;b/);
  assert.match(svg, /test &amp; chart/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
});

test('LP bound equals the hand-computed optimum of a two-node, two-job batch', async () => {
  const nodes = [
    node({ nodeId: 'cheap', cpuCores: 4, pricePerHourUsd: 1 }),
    node({ nodeId: 'dear', cpuCores: 4, pricePerHourUsd: 3 }),
  ];
  const jobs = [
    job({ jobId: 'short', cpuCores: 4, durationS: 600 }),
    job({ jobId: 'long', cpuCores: 4, durationS: 36_000 }),
  ];
  const bound = await staticLpBound(jobs, nodes, new TransferPrices());
  assert.equal(bound.status, 'optimal');
  assert.ok(Math.abs(bound.objectiveUsd - (10 + 0.5)) < 1e-6);
  assert.equal(bound.nodeClasses, 2);
  assert.equal(bound.jobsPlaced, 2);
});

test('tgp simulate --static prints JSON with the LP bound and writes the SVG', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tgp-sim-'));
  const svg = join(dir, 'out.svg');
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    await buildProgram().parseAsync([
      'node',
      'tgp',
      '--json',
      'simulate',
      '--alibaba-nodes',
      resolve(FIXTURES, 'alibaba/nodes.csv'),
      '--workload',
      resolve(FIXTURES, 'alibaba/pods.csv'),
      '--static',
      '--policies',
      'tgp,spread',
      '--svg',
      svg,
    ]);
  } finally {
    console.log = log;
  }
  const report = JSON.parse(lines.join('\n')) as {
    mode: string;
    lpBound: { objectiveUsd: number; status: string };
    policies: { policy: string; costUsd: { total: number }; jobs: { ran: number } }[];
    tgpSavings: Record<string, number>;
  };
  assert.equal(report.mode, 'static');
  assert.equal(report.lpBound.status, 'optimal');
  assert.deepEqual(
    report.policies.map((p) => p.policy),
    ['tgp', 'spread'],
  );
  assert.ok(report.policies.every((p) => p.jobs.ran === 30));
  assert.ok('spread' in report.tgpSavings);
  assert.equal((readFileSync(svg, 'utf8').match(/<polyline/g) ?? []).length, 4);
});

test('tgp simulate replays a synthetic workload on a cluster file as a table', async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    await buildProgram().parseAsync([
      'node',
      'tgp',
      'simulate',
      '--cluster',
      resolve(FIXTURES, 'cluster-small.json'),
      '--format',
      'synthetic',
      '--jobs',
      '60',
      '--seed',
      '3',
    ]);
  } finally {
    console.log = log;
  }
  const text = lines.join('\n');
  assert.match(text, /^replay of synthetic:seed=3,jobs=60 on 6 nodes/);
  for (const policy of ['tgp', 'round-robin', 'spread', 'bin-pack', 'first-fit']) {
    assert.match(text, new RegExp(`^${policy} `, 'm'));
  }
  assert.match(text, /tgp vs round-robin: (saves|costs)/);
});
