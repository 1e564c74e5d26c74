/** Workloads and clusters: the Alibaba CSV pair, SWF, synthetic, cluster files. */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { loadAlibabaNodes, loadClusterFile } from '../../src/sim/cluster.js';
import { loadPriceSheet } from '../../src/sim/price-sheet.js';
import { loadAlibabaJobs } from '../../src/sim/workload-alibaba.js';
import { loadSwf } from '../../src/sim/workload-swf.js';
import { syntheticWorkload } from '../../src/sim/workload-synthetic.js';
import { FIXTURES, SAMPLE_SHEET } from './build.js';

const sheet = loadPriceSheet(SAMPLE_SHEET);

test('Alibaba node list becomes priced nodes with cores from milli and GB from MiB', () => {
  const nodes = loadAlibabaNodes(resolve(FIXTURES, 'alibaba/nodes.csv'), sheet);
  assert.equal(nodes.length, 6);
  const t4 = nodes[0]!;
  assert.equal(t4.cpuCores, 32);
  assert.equal(t4.memoryGb, 128);
  assert.equal(t4.gpuCount, 4);
  const list =
    4 * sheet.gpuPerHourUsd.T4! + 32 * sheet.corePerHourUsd + 128 * sheet.memoryGbPerHourUsd;
  assert.ok(Math.abs(t4.pricePerHourUsd - list) < 1e-9);
  const cpuOnly = nodes.find((n) => n.nodeId === 'tiny-node-3')!;
  assert.equal(cpuOnly.gpuCount, 0);
  assert.equal(cpuOnly.gpuModel, '');
  assert.deepEqual(cpuOnly.free, { cpuCores: 64, memoryGb: 256, gpuCount: 0, diskGb: 0 });
});

test('Alibaba pod list becomes jobs with GPU shares, held time and QoS latency limits', () => {
  const workload = loadAlibabaJobs(resolve(FIXTURES, 'alibaba/pods.csv'));
  assert.equal(workload.jobs.length, 30);
  const shared = workload.jobs.find((j) => j.job.jobId === 'tiny-pod-02')!;
  assert.equal(shared.job.gpuCount, 0.5);
  assert.equal(shared.runtimeS, 900);
  assert.equal(shared.job.maxLatencyMs, Infinity); // BE has no limit
  const ls = workload.jobs.find((j) => j.job.jobId === 'tiny-pod-00')!;
  assert.equal(ls.job.maxLatencyMs, 60_000);
  assert.equal(ls.job.cpuCores, 6);
  assert.equal(ls.job.memoryGb, 16);
  // Never scheduled in the real cluster: runs for as long as it was wanted.
  const pending = workload.jobs.find((j) => j.job.jobId === 'tiny-pod-12')!;
  assert.equal(pending.runtimeS, 120);
  assert.equal(workload.jobs.find((j) => j.job.jobId === 'tiny-pod-07')!.job.gpuModel, 'V100M16');
  const arrivals = workload.jobs.map((j) => j.arrivalS);
  assert.deepEqual(
    arrivals,
    [...arrivals].sort((a, b) => a - b),
  );
});

test('SWF reader takes requested processors and memory, and skips what is not a job', () => {
  const workload = loadSwf(resolve(FIXTURES, 'swf/tiny.swf'));
  assert.deepEqual(
    workload.jobs.map((j) => j.job.jobId),
    ['swf-1', 'swf-2', 'swf-3', 'swf-5', 'swf-6', 'swf-7'],
  );
  const first = workload.jobs[0]!;
  assert.equal(first.job.cpuCores, 4);
  assert.equal(first.job.memoryGb, 4); // 1 GB per processor requested
  assert.equal(first.runtimeS, 3600);
  assert.equal(workload.jobs[1]!.job.memoryGb, 16); // none recorded: 2 GB per processor
  assert.equal(workload.jobs[2]!.job.cpuCores, 16); // requested -1: allocated count
  assert.equal(workload.jobs[2]!.job.memoryGb, 8); // used memory, 0.5 GB per processor
  assert.equal(workload.skipped.length, 2);
});

test('synthetic workload is the same for the same seed and differs for another', () => {
  const a = syntheticWorkload({ jobs: 50, seed: 11, dataLocations: ['x', 'y'] });
  const b = syntheticWorkload({ jobs: 50, seed: 11, dataLocations: ['x', 'y'] });
  const c = syntheticWorkload({ jobs: 50, seed: 12, dataLocations: ['x', 'y'] });
  assert.deepEqual(a.jobs, b.jobs);
  assert.notDeepEqual(a.jobs, c.jobs);
  assert.ok(a.jobs.some((j) => j.job.gpuCount > 0));
  assert.ok(a.jobs.some((j) => j.job.inputDataGb > 0));
  assert.ok(a.jobs.every((j, i) => i === 0 || j.arrivalS >= a.jobs[i - 1]!.arrivalS));
});

test('cluster file expands node groups and prices owned nodes with opportunity cost', () => {
  const nodes = loadClusterFile(resolve(FIXTURES, 'cluster-small.json'), sheet);
  assert.deepEqual(
    nodes.map((n) => n.nodeId),
    ['t4-1', 't4-2', 'cpu-1', 'cpu-2', 'cpu-3', 'owned-p100'],
  );
  const owned = nodes.at(-1)!;
  assert.ok(owned.opportunityCostPerHourUsd > 0);
  assert.ok(owned.pricePerHourUsd < owned.opportunityCostPerHourUsd);
  assert.equal(nodes[0]!.startupMs, 1000);
  assert.equal(nodes[0]!.location, 'us-central');
});

test('sample cluster file loads under the sample price sheet', () => {
  const nodes = loadClusterFile(resolve(FIXTURES, '../../config/cluster.sample.json'), sheet);
  assert.ok(nodes.length > 10);
});
