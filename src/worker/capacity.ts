/** What this host offers, detected, with the operator's overrides taking precedence. */
import { statfsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Resources } from '../api/gen/tgp/v1/tgp.js';
import type { WorkerConfig } from '../config/config.js';

const GIB = 1024 ** 3;

/** Capacity to register: each configured non-zero value wins over detection. */
export function hostCapacity(
  config: WorkerConfig,
  gpus: { count: number; model: string },
): Resources {
  let diskGb = 0;
  try {
    const fs = statfsSync(config.dataDir || '/');
    diskGb = (fs.bavail * fs.bsize) / GIB;
  } catch {
    // Unknown disk: the node is not limited by disk.
  }
  return {
    cpuCores: config.cpuCores || cpus().length,
    memoryGb: config.memoryGb || Math.floor((totalmem() / GIB) * 100) / 100,
    gpuCount: config.gpuCount || gpus.count,
    gpuModel: config.gpuModel || gpus.model,
    diskGb: config.diskGb || Math.floor(diskGb),
  };
}
