/** Checks a worker's registration field by field; every rejection names field and value. */
import type { RegisterRequest } from '../api/gen/tgp/v1/tgp.js';
import { invalid } from '../errors.js';
import type { NodeRegistration } from './node-registry.js';

/** Node ids follow the job id alphabet: letters, digits, '.', '_', '-', up to 128. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const KNOWN_EXECUTORS = new Set(['process', 'docker']);

function positive(field: string, value: number, allowZero = false): void {
  if (!Number.isFinite(value)) throw invalid(field, value, 'must be a finite number');
  if (value < 0 || (!allowZero && value === 0)) {
    throw invalid(field, value, allowZero ? 'must not be negative' : 'must be greater than 0');
  }
}

export function validateRegistration(req: RegisterRequest): NodeRegistration {
  if (!NODE_ID_PATTERN.test(req.nodeId)) {
    throw invalid(
      'node_id',
      req.nodeId,
      'must be 1-128 of A-Z a-z 0-9 . _ - starting with a letter or digit',
    );
  }
  const cap = req.capacity;
  if (!cap) throw invalid('capacity', cap, 'is required');
  positive('capacity.cpu_cores', cap.cpuCores);
  positive('capacity.memory_gb', cap.memoryGb);
  positive('capacity.disk_gb', cap.diskGb, true);
  positive('price_per_hour_usd', req.pricePerHourUsd, true);
  positive('opportunity_cost_per_hour_usd', req.opportunityCostPerHourUsd, true);
  positive('startup_ms', req.startupMs, true);
  positive('rtt_ms', req.rttMs, true);
  if (req.executors.length === 0)
    throw invalid('executors', req.executors, 'must name at least one');
  for (const e of req.executors) {
    if (!KNOWN_EXECUTORS.has(e)) throw invalid('executors', e, 'must be "process" or "docker"');
  }

  return {
    nodeId: req.nodeId,
    cpuCores: cap.cpuCores,
    memoryGb: cap.memoryGb,
    gpuCount: cap.gpuCount,
    gpuModel: cap.gpuModel,
    // A node that reports no disk is not limited by disk.
    diskGb: cap.diskGb || Number.MAX_SAFE_INTEGER,
    pricePerHourUsd: req.pricePerHourUsd,
    opportunityCostPerHourUsd: req.opportunityCostPerHourUsd,
    location: req.location,
    labels: { ...req.labels },
    executors: [...req.executors],
    startupMs: req.startupMs,
    rttMs: req.rttMs,
    agentVersion: req.agentVersion,
    registeredAtMs: Date.now(),
  };
}
