/**
 * The synthetic clusters and job mixes the benchmarks run on, built from a seed so every
 * run measures the same thing. A cluster is a few instance types in a few locations, each
 * on demand and as spot, plus owned boxes in the office: about 50 classes of identical
 * nodes, as a cloud account or a grid of rented and owned machines would have.
 */
import type { PlacementJob, PlacementNode } from '../src/placement/types.js';
import { mulberry32 } from '../src/sim/random.js';

/** The benchmark's only source of randomness: the simulator's seeded generator. */
export const prng = mulberry32;

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

interface InstanceType {
  name: string;
  cpuCores: number;
  memoryGb: number;
  gpuCount: number;
  gpuModel: string;
  pricePerHourUsd: number;
}

const TYPES: InstanceType[] = [
  { name: 'c4', cpuCores: 4, memoryGb: 8, gpuCount: 0, gpuModel: '', pricePerHourUsd: 0.17 },
  { name: 'm8', cpuCores: 8, memoryGb: 32, gpuCount: 0, gpuModel: '', pricePerHourUsd: 0.38 },
  { name: 'm16', cpuCores: 16, memoryGb: 64, gpuCount: 0, gpuModel: '', pricePerHourUsd: 0.77 },
  { name: 'r16', cpuCores: 16, memoryGb: 128, gpuCount: 0, gpuModel: '', pricePerHourUsd: 1.01 },
  { name: 'g4', cpuCores: 8, memoryGb: 32, gpuCount: 1, gpuModel: 'T4', pricePerHourUsd: 0.75 },
  { name: 'g5', cpuCores: 32, memoryGb: 128, gpuCount: 4, gpuModel: 'A10', pricePerHourUsd: 5.67 },
];
const LOCATIONS = ['eu-1', 'us-east', 'ap-1', 'sa-1'];

/** `count` nodes, all ready and empty, in about 50 classes. */
export function makeCluster(count: number, seed = 1): PlacementNode[] {
  const next = prng(seed);
  const nodes: PlacementNode[] = [];
  for (let i = 0; i < count; i++) {
    const owned = next() < 0.05;
    const type = owned ? TYPES[2]! : pick(next, TYPES);
    const spot = !owned && next() < 0.4;
    const location = owned ? 'office' : pick(next, LOCATIONS);
    nodes.push({
      nodeId: `${type.name}-${location}-${i}`,
      ready: true,
      cpuCores: type.cpuCores,
      memoryGb: type.memoryGb,
      gpuCount: type.gpuCount,
      gpuModel: type.gpuModel,
      diskGb: 500,
      pricePerHourUsd: owned ? 0.05 : spot ? type.pricePerHourUsd * 0.35 : type.pricePerHourUsd,
      opportunityCostPerHourUsd: owned ? 0.2 : 0,
      location,
      startupMs: owned ? 20 : 60,
      rttMs: owned ? 2 : 40,
      labels: owned ? { kind: 'owned' } : { kind: spot ? 'spot' : 'on-demand' },
      executors: ['process', 'docker'],
      free: {
        cpuCores: type.cpuCores,
        memoryGb: type.memoryGb,
        gpuCount: type.gpuCount,
        diskGb: 500,
      },
    });
  }
  return nodes;
}

/** The job catalogue: a few sizes, budgets and data locations, as teams submit them. */
const SIZES = [
  [0.5, 1, 0],
  [1, 2, 0],
  [2, 4, 0],
  [2, 8, 0],
  [4, 16, 0],
  [8, 32, 0],
  [4, 16, 1],
] as const;

/** A job drawn from the catalogue; `unique` makes every job a shape of its own. */
export function makeJob(next: () => number, id: number, unique = false): PlacementJob {
  const [cpuCores, memoryGb, gpuCount] = pick(next, SIZES);
  const data = next() < 0.3;
  return {
    jobId: `job-${id}`,
    cpuCores,
    memoryGb,
    gpuCount,
    gpuModel: '',
    diskGb: pick(next, [0, 0, 10]),
    durationS: pick(next, [600, 3600, 4 * 3600]),
    inputDataGb: data ? 20 : 0,
    dataLocation: data ? pick(next, LOCATIONS) : '',
    executor: pick(next, ['process', 'docker']),
    constraints: next() < 0.1 ? { kind: 'on-demand' } : {},
    maxBudgetUsd: unique ? 0.5 + next() : pick(next, [0.5, 1, 5]),
    maxLatencyMs: 60_000,
  };
}
