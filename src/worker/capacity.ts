/** What this host offers, detected, with the operator's overrides taking precedence. */
import { statfsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Resources } from '../api/gen/tgp/v1/tgp.js';
import type { WorkerConfig } from '../config/config.js';

const GIB = 1024 ** 3;

/** CPUs and memory a container engine reports; it may see less than the host (a VM). */
export interface EngineLimits {
  cpuCores: number;
  memoryGb: number;
}

/** The smaller of two detected amounts; 0 (unknown) never wins. */
function smaller(a: number, b: number | undefined): number {
  return b !== undefined && b > 0 ? Math.min(a, b) : a;
}

/**
 * Capacity to register: each configured non-zero value wins over detection. With a Docker
 * engine, detection counts what both the host and the engine have.
 */
export function hostCapacity(
  config: WorkerConfig,
  gpus: { count: number; model: string },
  engine?: EngineLimits,
): Resources {
  let diskGb = 0;
  try {
    const fs = statfsSync(config.dataDir || '/');
    diskGb = (fs.bavail * fs.bsize) / GIB;
  } catch {
    // Unknown disk: the node is not limited by disk.
  }
  const memoryGb = smaller(totalmem() / GIB, engine?.memoryGb);
  return {
    cpuCores: config.cpuCores || smaller(cpus().length, engine?.cpuCores),
    memoryGb: config.memoryGb || Math.floor(memoryGb * 100) / 100,
    gpuCount: config.gpuCount || gpus.count,
    gpuModel: config.gpuModel || gpus.model,
    diskGb: config.diskGb || Math.floor(diskGb),
  };
}
