/** Small builders for simulator and batch tests: plain jobs and nodes with defaults. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlacementJob, PlacementNode } from '../../src/placement/types.js';
import type { SimJob } from '../../src/sim/types.js';
import { job as baseJob } from '../helpers/local-grid.js';

/** test/fixtures, wherever the tests run from. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const SAMPLE_SHEET = resolve(FIXTURES, '../../config/price-sheet.sample.json');

/** A job of the simulator's tests: a container job with no budget or latency limit. */
export function job(partial: Partial<PlacementJob> = {}): PlacementJob {
  return baseJob({
    jobId: 'job',
    executor: 'docker',
    maxBudgetUsd: Infinity,
    maxLatencyMs: Infinity,
    ...partial,
  });
}

export function node(partial: Partial<PlacementNode> = {}): PlacementNode {
  const base: PlacementNode = {
    nodeId: 'node',
    ready: true,
    cpuCores: 8,
    memoryGb: 32,
    gpuCount: 0,
    gpuModel: '',
    diskGb: 0,
    pricePerHourUsd: 1,
    opportunityCostPerHourUsd: 0,
    location: 'here',
    labels: {},
    executors: ['docker', 'process'],
    startupMs: 1000,
    rttMs: 1,
    free: { cpuCores: 0, memoryGb: 0, gpuCount: 0, diskGb: 0 },
    ...partial,
  };
  return {
    ...base,
    free: partial.free ?? {
      cpuCores: base.cpuCores,
      memoryGb: base.memoryGb,
      gpuCount: base.gpuCount,
      diskGb: base.diskGb,
    },
  };
}

export function simJob(arrivalS: number, partial: Partial<PlacementJob> = {}): SimJob {
  const j = job(partial);
  return { job: j, arrivalS, runtimeS: j.durationS, priority: 0 };
}
