/**
 * The Alibaba GPU trace's job list (cluster-trace-gpu-v2023, "openb" pod lists) as a
 * workload. A job asks for `num_gpu` GPUs at `gpu_milli`/1000 of each, so sharing jobs ask
 * for a fraction of one GPU; the simulator counts GPU capacity per node as a number, not
 * per device (see docs/simulator.md).
 */
import { readFileSync } from 'node:fs';
import { numberCell, parseCsv } from './csv.js';
import { byArrival, type SimJob, type Workload } from './types.js';

const POD_COLUMNS = [
  'name',
  'cpu_milli',
  'memory_mib',
  'num_gpu',
  'gpu_milli',
  'gpu_spec',
  'qos',
  'creation_time',
  'deletion_time',
  'scheduled_time',
];

/** How trace fields become the job's limits; the trace itself carries no SLO or budget. */
export interface AlibabaOptions {
  /**
   * Start-latency limit (milliseconds from arrival to start) by QoS class; classes not
   * listed have none. A job that waits past its limit counts as an SLO miss.
   */
  latencyLimitMsByQos: Readonly<Record<string, number>>;
  /** Budget per job, USD; the trace has none, so Infinity by default. */
  maxBudgetUsd: number;
}

export const ALIBABA_DEFAULTS: AlibabaOptions = {
  latencyLimitMsByQos: { LS: 60_000, Guaranteed: 60_000, Burstable: 600_000 },
  maxBudgetUsd: Infinity,
};

/**
 * Reads a pod list. Run time is `deletion_time - scheduled_time`, how long the job held
 * its resources; a pod the real cluster never scheduled runs for `deletion - creation`,
 * how long it was wanted.
 */
export function loadAlibabaJobs(file: string, options = ALIBABA_DEFAULTS): Workload {
  const records = parseCsv(readFileSync(file, 'utf8'), file, POD_COLUMNS);
  const jobs: SimJob[] = [];
  const skipped: string[] = [];
  let manyModels = 0;

  records.forEach((r, i) => {
    const line = i + 2;
    const createdS = numberCell(r, 'creation_time', file, line);
    const deletedS = numberCell(r, 'deletion_time', file, line);
    const scheduled = r.scheduled_time ?? '';
    const startS = scheduled === '' ? createdS : numberCell(r, 'scheduled_time', file, line);
    const runtimeS = deletedS - startS;
    if (runtimeS < 0) {
      skipped.push(`${file}:${line}: deletion_time before scheduled_time`);
      return;
    }

    const models = (r.gpu_spec ?? '').split('|').filter((m) => m !== '');
    // The pipeline matches one model; a job naming several may run on any.
    if (models.length > 1) manyModels++;
    const qos = r.qos ?? '';
    jobs.push({
      job: {
        jobId: r.name || `pod-${line}`,
        cpuCores: numberCell(r, 'cpu_milli', file, line) / 1000,
        memoryGb: numberCell(r, 'memory_mib', file, line) / 1024,
        gpuCount:
          (numberCell(r, 'num_gpu', file, line) * numberCell(r, 'gpu_milli', file, line)) / 1000,
        gpuModel: models.length === 1 ? (models[0] ?? '') : '',
        diskGb: 0,
        durationS: runtimeS,
        inputDataGb: 0,
        dataLocation: '',
        executor: 'docker',
        constraints: {},
        maxBudgetUsd: options.maxBudgetUsd,
        maxLatencyMs: options.latencyLimitMsByQos[qos] ?? Infinity,
      },
      arrivalS: createdS,
      runtimeS,
      priority: 0,
    });
  });

  if (manyModels > 0) {
    skipped.push(`${manyModels} jobs name several GPU models; they were allowed any model`);
  }
  return { source: `alibaba:${file}`, jobs: byArrival(jobs), skipped };
}
