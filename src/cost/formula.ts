/**
 * Formula 4.1, the total cost of running one job on one node:
 *
 *   C_total = C_comp + C_data + C_idle
 *   C_comp  = price per hour x duration (h) x utilization
 *   C_data  = GB moved x transfer price per GB (data location -> node location)
 *   C_idle  = utilization x duration (h) x opportunity cost per hour
 *
 * Pure functions over plain numbers so that the scheduler, `tgp quote` and the simulator
 * all price with the same code. docs/cost-model.md defines every term.
 */
import type { TransferPrices } from './transfer.js';

/** What a job asks for, as far as price and latency are concerned. */
export interface CostedJob {
  cpuCores: number;
  memoryGb: number;
  gpuCount: number;
  /** Expected run time in seconds (the actual runtime when pricing afterwards). */
  durationS: number;
  inputDataGb: number;
  /** Where the input data lives; empty when there is none to move. */
  dataLocation: string;
}

/** What a node charges and how quickly it starts work. */
export interface CostedNode {
  cpuCores: number;
  memoryGb: number;
  gpuCount: number;
  /**
   * Marginal USD per hour for the whole node: the rental rate of a rented node, the running
   * cost (power, wear) of one already paid for.
   */
  pricePerHourUsd: number;
  /**
   * USD per hour that the node's capacity could earn elsewhere, charged for the share a job
   * takes (C_idle). Zero for rented nodes; for owned ones what idle capacity is worth.
   */
  opportunityCostPerHourUsd: number;
  location: string;
  /** Time to start a job there (container or process), milliseconds. */
  startupMs: number;
  /** Network round trip between scheduler and node, milliseconds. */
  rttMs: number;
}

/** Formula 4.1's terms for one placement, plus its latency estimate. */
export interface Cost {
  computeCostUsd: number;
  dataTransferUsd: number;
  idleOpportunityUsd: number;
  totalCostUsd: number;
  estimatedLatencyMs: number;
  utilization: number;
}

/**
 * The job's share of the node: the largest of its CPU, memory and GPU shares, so a job that
 * takes every GPU of a node pays for the node even if it uses one core. Capped at 1.
 */
export function utilization(job: CostedJob, node: CostedNode): number {
  let share = 0;
  if (node.cpuCores > 0) share = Math.max(share, job.cpuCores / node.cpuCores);
  if (node.memoryGb > 0) share = Math.max(share, job.memoryGb / node.memoryGb);
  if (node.gpuCount > 0) share = Math.max(share, job.gpuCount / node.gpuCount);
  return Math.min(1, share);
}

/** Milliseconds to move the job's input data to the node. */
export function transferTimeMs(job: CostedJob, node: CostedNode, transfer: TransferPrices): number {
  if (job.inputDataGb <= 0 || job.dataLocation === '') return 0;
  const link = transfer.link(job.dataLocation, node.location);
  return ((job.inputDataGb * 8) / link.bandwidthGbps) * 1000;
}

/**
 * Prices `job` on `node`. `waitMs` is the expected time before the node can start the job
 * (zero when it has room now); it counts towards latency, never towards cost.
 */
export function priceJob(
  job: CostedJob,
  node: CostedNode,
  transfer: TransferPrices,
  waitMs = 0,
): Cost {
  const share = utilization(job, node);
  const hours = job.durationS / 3600;

  const computeCostUsd = node.pricePerHourUsd * hours * share;
  const idleOpportunityUsd = node.opportunityCostPerHourUsd * hours * share;
  const moves = job.inputDataGb > 0 && job.dataLocation !== '';
  const dataTransferUsd = moves
    ? job.inputDataGb * transfer.link(job.dataLocation, node.location).pricePerGbUsd
    : 0;

  return {
    computeCostUsd,
    dataTransferUsd,
    idleOpportunityUsd,
    totalCostUsd: computeCostUsd + dataTransferUsd + idleOpportunityUsd,
    estimatedLatencyMs: waitMs + node.startupMs + transferTimeMs(job, node, transfer) + node.rttMs,
    utilization: share,
  };
}

/**
 * "$0.10"; amounts under a cent keep two significant digits ("$0.0025", "$0.0000021") so
 * that a short run never reads as free.
 */
export function formatUsd(usd: number): string {
  if (usd !== 0 && Math.abs(usd) < 0.01) {
    const digits = Math.min(10, 1 - Math.floor(Math.log10(Math.abs(usd))));
    return `$${usd.toFixed(digits)}`;
  }
  return `$${usd.toFixed(2)}`;
}
