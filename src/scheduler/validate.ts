/**
 * Checks a submitted JobSpec field by field and fills in documented defaults. Every
 * rejection names the field (as on the wire) and the value.
 */
import type { JobSpec } from '../api/gen/tgp/v1/tgp.js';
import { invalid } from '../errors.js';

/** Job ids: 1 to 128 of letters, digits, '.', '_', '-', starting with a letter or digit. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Defaults applied to fields a submitter leaves at zero or empty. */
export interface JobDefaults {
  /** Expected duration used for pricing, seconds. */
  expectedDurationS: number;
  /** Hard limit on run time, seconds. */
  maxRuntimeS: number;
  /** Command of a job that gives none. */
  command: string[];
  /** USD budget of a job that gives none. */
  maxBudgetUsd: number;
  /** Latency limit of a job that gives none, milliseconds. */
  maxLatencyMs: number;
}

export const DEFAULT_JOB: JobDefaults = {
  expectedDurationS: 3600,
  maxRuntimeS: 24 * 3600,
  command: ['sh', '-c', 'echo "hello from TGP job $TGP_JOB_ID on node $TGP_NODE_ID"'],
  maxBudgetUsd: 1,
  maxLatencyMs: 60_000,
};

/** Upper bounds that catch typos (a memory of 1e9 GB) rather than real limits. */
const LIMITS = {
  cpuCores: 4096,
  memoryGb: 65536,
  gpuCount: 1024,
  diskGb: 1_000_000,
  durationS: 366 * 24 * 3600,
  dataGb: 1_000_000,
  budgetUsd: 1_000_000,
  latencyMs: 7 * 24 * 3600 * 1000,
  priority: 1_000_000,
  textLength: 4096,
  commandArgs: 1024,
  envEntries: 256,
};

function checkNumber(field: string, value: number, max: number, allowZero: boolean): void {
  if (!Number.isFinite(value)) throw invalid(field, value, 'must be a finite number');
  if (value < 0) throw invalid(field, value, 'must not be negative');
  if (!allowZero && value === 0) throw invalid(field, value, 'must be greater than 0');
  if (value > max) throw invalid(field, value, `must be at most ${max}`);
}

function checkText(field: string, value: string): void {
  if (value.length > LIMITS.textLength) {
    throw invalid(field, value, `must be at most ${LIMITS.textLength} characters`);
  }
}

/** Validates `spec` and returns a copy with defaults filled in. */
export function validateJobSpec(spec: JobSpec, defaults: JobDefaults = DEFAULT_JOB): JobSpec {
  if (spec.jobId === '') throw invalid('job_id', spec.jobId, 'must not be empty');
  if (spec.jobId.length > 128)
    throw invalid('job_id', spec.jobId, 'must be at most 128 characters');
  if (!JOB_ID_PATTERN.test(spec.jobId)) {
    throw invalid(
      'job_id',
      spec.jobId,
      'may hold only A-Z a-z 0-9 . _ - and must start with a letter or digit',
    );
  }

  checkNumber('cpu_cores', spec.cpuCores, LIMITS.cpuCores, false);
  checkNumber('memory_gb', spec.memoryGb, LIMITS.memoryGb, false);
  checkNumber('gpu_count', spec.gpuCount, LIMITS.gpuCount, true);
  if (!Number.isInteger(spec.gpuCount)) throw invalid('gpu_count', spec.gpuCount, 'must be whole');
  checkNumber('disk_gb', spec.diskGb, LIMITS.diskGb, true);
  checkNumber('expected_duration_s', spec.expectedDurationS, LIMITS.durationS, true);
  checkNumber('max_runtime_s', spec.maxRuntimeS, LIMITS.durationS, true);
  checkNumber('input_data_gb', spec.inputDataGb, LIMITS.dataGb, true);
  checkNumber('max_budget_usd', spec.maxBudgetUsd, LIMITS.budgetUsd, true);
  checkNumber('max_latency_ms', spec.maxLatencyMs, LIMITS.latencyMs, true);
  if (!Number.isInteger(spec.priority) || Math.abs(spec.priority) > LIMITS.priority) {
    throw invalid('priority', spec.priority, `must be a whole number within ±${LIMITS.priority}`);
  }

  for (const [field, value] of [
    ['image', spec.image],
    ['workdir', spec.workdir],
    ['gpu_model', spec.gpuModel],
    ['data_location', spec.dataLocation],
  ] as const) {
    checkText(field, value);
  }
  if (spec.command.length > LIMITS.commandArgs) {
    throw invalid(
      'command',
      spec.command.length,
      `must have at most ${LIMITS.commandArgs} arguments`,
    );
  }
  spec.command.forEach((arg, i) => checkText(`command[${i}]`, arg));
  if (Object.keys(spec.env).length > LIMITS.envEntries) {
    throw invalid(
      'env',
      Object.keys(spec.env).length,
      `must have at most ${LIMITS.envEntries} entries`,
    );
  }
  for (const key of Object.keys(spec.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw invalid('env', key, 'is not a valid variable name');
  }
  if (spec.inputDataGb > 0 && spec.dataLocation === '') {
    throw invalid('data_location', spec.dataLocation, 'must be set when input_data_gb > 0');
  }

  return {
    ...spec,
    command: spec.command.length > 0 ? [...spec.command] : [...defaults.command],
    expectedDurationS: spec.expectedDurationS || defaults.expectedDurationS,
    maxRuntimeS: spec.maxRuntimeS || defaults.maxRuntimeS,
    maxBudgetUsd: spec.maxBudgetUsd || defaults.maxBudgetUsd,
    maxLatencyMs: spec.maxLatencyMs || defaults.maxLatencyMs,
  };
}

/** Two specs are the same submission when their canonical JSON is equal. */
export function sameSpec(a: JobSpec, b: JobSpec): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}
