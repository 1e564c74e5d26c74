/**
 * Synthetic workloads from a seed: Poisson arrivals, a mix of CPU and GPU jobs with
 * log-normal run times, some with input data elsewhere, some with latency limits and tight
 * budgets. The same seed and options give the same jobs on every machine.
 */
import { Draw } from './random.js';
import type { SimJob, Workload } from './types.js';

export interface SyntheticOptions {
  jobs: number;
  seed: number;
  /** Mean seconds between arrivals. */
  meanInterarrivalS: number;
  /** Median run time, seconds. */
  medianRuntimeS: number;
  /** Share of jobs that need GPUs. */
  gpuShare: number;
  /** GPU models a GPU job may name; "" means any model. */
  gpuModels: readonly string[];
  /** Locations input data may live at; empty: no job moves data. */
  dataLocations: readonly string[];
  /** Share of jobs with a start-latency limit (60 s). */
  latencySensitiveShare: number;
  /** Share of jobs given a budget, drawn around a nominal price of their demand. */
  budgetedShare: number;
}

export const SYNTHETIC_DEFAULTS: SyntheticOptions = {
  jobs: 1000,
  seed: 1,
  meanInterarrivalS: 30,
  medianRuntimeS: 900,
  gpuShare: 0.4,
  gpuModels: [''],
  dataLocations: [],
  latencySensitiveShare: 0.5,
  budgetedShare: 0.2,
};

/** Nominal USD per core-hour and per GPU-hour used only to scale drawn budgets. */
const NOMINAL_CORE_HOUR_USD = 0.05;
const NOMINAL_GPU_HOUR_USD = 1.5;

/** Generates a workload. */
export function syntheticWorkload(partial: Partial<SyntheticOptions> = {}): Workload {
  const o = { ...SYNTHETIC_DEFAULTS, ...partial };
  const draw = new Draw(o.seed);
  const jobs: SimJob[] = [];
  let clockS = 0;

  for (let i = 0; i < o.jobs; i++) {
    clockS += draw.exponential(o.meanInterarrivalS);
    const gpu = draw.chance(o.gpuShare);
    const cpuCores = draw.pick([1, 2, 4, 8, 16], [30, 25, 25, 15, 5]);
    const gpuCount = gpu ? draw.pick([0.25, 0.5, 1, 2, 4], [15, 15, 50, 15, 5]) : 0;
    const runtimeS = Math.max(1, Math.round(draw.logNormal(o.medianRuntimeS, 1.2)));
    const moves = o.dataLocations.length > 0 && draw.chance(0.3);
    const hours = runtimeS / 3600;
    const nominalUsd = hours * (cpuCores * NOMINAL_CORE_HOUR_USD + gpuCount * NOMINAL_GPU_HOUR_USD);

    jobs.push({
      job: {
        jobId: `syn-${o.seed}-${i}`,
        cpuCores,
        memoryGb: cpuCores * draw.pick([2, 4, 8]),
        gpuCount,
        gpuModel: gpu ? draw.pick(o.gpuModels) : '',
        diskGb: 0,
        durationS: runtimeS,
        inputDataGb: moves ? draw.int(1, 50) : 0,
        dataLocation: moves ? draw.pick(o.dataLocations) : '',
        executor: 'docker',
        constraints: {},
        maxBudgetUsd: draw.chance(o.budgetedShare)
          ? nominalUsd * (0.2 + draw.uniform() * 2)
          : Infinity,
        maxLatencyMs: draw.chance(o.latencySensitiveShare) ? 60_000 : Infinity,
      },
      arrivalS: Math.round(clockS),
      runtimeS,
      priority: 0,
    });
  }
  return { source: `synthetic:seed=${o.seed},jobs=${o.jobs}`, jobs, skipped: [] };
}
