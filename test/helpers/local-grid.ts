/**
 * The nodes, demo jobs and transfer table of config/local-grid.json, written out so that
 * tests read like docs/cost-model.md's worked examples. test/cost/formula.test.ts checks
 * that they still match the file. `node()` and `job()` build other cases from defaults.
 */
import type { TransferConfig } from '../../src/cost/transfer.js';
import type { PlacementJob, PlacementNode } from '../../src/placement/types.js';

/** A node with room for everything it has; fields not given are those of a small rented box. */
export function node(fields: Partial<PlacementNode> & { nodeId: string }): PlacementNode {
  const base: PlacementNode = {
    nodeId: fields.nodeId,
    ready: true,
    cpuCores: 2,
    memoryGb: 4,
    gpuCount: 0,
    gpuModel: '',
    diskGb: 100,
    pricePerHourUsd: 0.2,
    opportunityCostPerHourUsd: 0,
    location: 'eu-1',
    startupMs: 50,
    rttMs: 50,
    labels: {},
    executors: ['process'],
    free: { cpuCores: 0, memoryGb: 0, gpuCount: 0, diskGb: 0 },
  };
  const merged = { ...base, ...fields };
  const free = fields.free ?? {
    cpuCores: merged.cpuCores,
    memoryGb: merged.memoryGb,
    gpuCount: merged.gpuCount,
    diskGb: merged.diskGb,
  };
  return { ...merged, free };
}

/** A job; fields not given are the original TGP example's (1 core, 1 GB, 1 hour, $1). */
export function job(fields: Partial<PlacementJob> = {}): PlacementJob {
  return {
    jobId: 'job-1',
    cpuCores: 1,
    memoryGb: 1,
    gpuCount: 0,
    gpuModel: '',
    diskGb: 0,
    durationS: 3600,
    inputDataGb: 0,
    dataLocation: '',
    executor: 'process',
    constraints: {},
    maxBudgetUsd: 1,
    maxLatencyMs: 60_000,
    ...fields,
  };
}

/** The `transfer` section of config/local-grid.json. */
export const LOCAL_GRID_TRANSFER: TransferConfig = {
  default: { pricePerGbUsd: 0.09, bandwidthGbps: 1 },
  sameLocation: { pricePerGbUsd: 0, bandwidthGbps: 10 },
  links: {
    'office->eu-1': { pricePerGbUsd: 0.01, bandwidthGbps: 1 },
    'eu-1->us-east': { pricePerGbUsd: 0.02, bandwidthGbps: 2 },
    'office->us-east': { pricePerGbUsd: 0.05, bandwidthGbps: 0.5 },
  },
};

/** The owned office box: cheap to run, with what its idle capacity could earn elsewhere. */
export const ONPREM_1 = node({
  nodeId: 'onprem-1',
  cpuCores: 4,
  memoryGb: 8,
  diskGb: 0,
  pricePerHourUsd: 0.02,
  opportunityCostPerHourUsd: 0.01,
  location: 'office',
  labels: { kind: 'on-prem' },
  startupMs: 20,
  rttMs: 1,
});

/** The rented VPS of the original TGP example. */
export const VPS_2 = node({
  nodeId: 'vps-2',
  cpuCores: 2,
  memoryGb: 4,
  diskGb: 0,
  pricePerHourUsd: 0.2,
  location: 'eu-1',
  labels: { kind: 'vps' },
  startupMs: 50,
  rttMs: 50,
});

/** The rented cloud machine with one T4. */
export const CLOUD_GPU_3 = node({
  nodeId: 'cloud-gpu-3',
  cpuCores: 8,
  memoryGb: 32,
  gpuCount: 1,
  gpuModel: 'T4',
  diskGb: 0,
  pricePerHourUsd: 0.75,
  location: 'us-east',
  labels: { kind: 'cloud' },
  startupMs: 100,
  rttMs: 80,
});

/** The three workers in the file's order. */
export const LOCAL_GRID_NODES = [ONPREM_1, VPS_2, CLOUD_GPU_3];

/** Demo jobs of config/local-grid.json as placement sees them (latency limit defaulted). */
export const DEMO = {
  hello: job({ jobId: 'hello', durationS: 600 }),
  etlEu: job({
    jobId: 'etl-eu',
    memoryGb: 2,
    durationS: 1800,
    inputDataGb: 50,
    dataLocation: 'eu-1',
  }),
  trainGpu: job({
    jobId: 'train-gpu',
    cpuCores: 4,
    memoryGb: 16,
    gpuCount: 1,
    gpuModel: 'T4',
    maxBudgetUsd: 2,
  }),
  batch1: job({ jobId: 'batch-1', cpuCores: 2, memoryGb: 4 }),
  batch2: job({ jobId: 'batch-2', cpuCores: 2, memoryGb: 4 }),
  tooDear: job({
    jobId: 'too-dear',
    cpuCores: 8,
    memoryGb: 30,
    gpuCount: 1,
    durationS: 36_000,
  }),
};
