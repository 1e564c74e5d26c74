/**
 * The Standard Workload Format of the Parallel Workloads Archive: `;` header comments,
 * then one job per line in 18 whitespace-separated fields, -1 where unknown. Fields used
 * (1-based): 1 job number, 2 submit time (s), 4 run time (s), 5 allocated processors,
 * 7 used memory (KB per processor), 8 requested processors, 10 requested memory (KB per
 * processor), 11 status, 15 queue. SWF jobs are CPU-only; a job that needs more processors
 * than any one node has can never be placed, as TGP places a job on one node.
 */
import { readFileSync } from 'node:fs';
import { byArrival, type SimJob, type Workload } from './types.js';

/** How SWF fields become a job; SWF has no prices, budgets or latency limits. */
export interface SwfOptions {
  /** Cores per SWF processor. */
  coresPerProcessor: number;
  /** Memory per processor when the log records none, GB. */
  memoryGbPerProcessor: number;
  /** Start-latency limit for every job, milliseconds (Infinity: none). */
  maxLatencyMs: number;
  maxBudgetUsd: number;
}

export const SWF_DEFAULTS: SwfOptions = {
  coresPerProcessor: 1,
  memoryGbPerProcessor: 2,
  maxLatencyMs: Infinity,
  maxBudgetUsd: Infinity,
};

const KB_PER_GB = 1024 * 1024;

/** Parses SWF text; lines that cannot be a job are listed in `skipped`. */
export function parseSwf(text: string, file: string, options = SWF_DEFAULTS): Workload {
  const jobs: SimJob[] = [];
  const skipped: string[] = [];

  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith(';')) return;
    const f = line.split(/\s+/).map(Number);
    const at = (n: number): number => f[n - 1] ?? -1;
    if (f.length < 18 || f.some((n) => Number.isNaN(n))) {
      skipped.push(`${file}:${i + 1}: not 18 numeric fields`);
      return;
    }
    const runtimeS = at(4);
    const processors = at(8) > 0 ? at(8) : at(5);
    if (runtimeS < 0 || processors <= 0) {
      skipped.push(`${file}:${i + 1}: no run time or processor count`);
      return;
    }

    const kbPerProcessor = at(10) > 0 ? at(10) : at(7);
    const memoryGb =
      kbPerProcessor > 0
        ? (kbPerProcessor * processors) / KB_PER_GB
        : processors * options.memoryGbPerProcessor;
    jobs.push({
      job: {
        jobId: `swf-${at(1)}`,
        cpuCores: processors * options.coresPerProcessor,
        memoryGb,
        gpuCount: 0,
        gpuModel: '',
        diskGb: 0,
        durationS: runtimeS,
        inputDataGb: 0,
        dataLocation: '',
        executor: 'process',
        constraints: {},
        maxBudgetUsd: options.maxBudgetUsd,
        maxLatencyMs: options.maxLatencyMs,
      },
      arrivalS: Math.max(0, at(2)),
      runtimeS,
      priority: 0,
    });
  });
  return { source: `swf:${file}`, jobs: byArrival(jobs), skipped };
}

/** Reads an SWF file. */
export function loadSwf(file: string, options = SWF_DEFAULTS): Workload {
  return parseSwf(readFileSync(file, 'utf8'), file, options);
}
