/**
 * What a simulation says per policy: cost by Formula 4.1 term, jobs placed and waiting,
 * SLO misses, budget rejections, waits, utilisation and GPU allocation; as a table for
 * people and as JSON for scripts.
 */
import { formatUsd } from '../cost/formula.js';
import type { BatchStats } from '../placement/batch.js';
import type { SimulationRun, TimePoint } from './engine.js';
import type { LpBound } from './lp-bound.js';
import type { PolicyName } from './policies.js';

export interface PolicyReport {
  policy: PolicyName;
  costUsd: { compute: number; data: number; idle: number; total: number };
  jobs: {
    total: number;
    ran: number;
    waiting: number;
    overBudget: number;
    unschedulable: number;
    /** Placed by the very first pass (static batch) or at their arrival instant. */
    placedAtOnce: number;
  };
  /** Jobs whose start latency (wait + start-up + transfer + round trip) passed their limit. */
  sloMisses: number;
  /** Arrival to start, seconds, over the jobs that started. */
  waitS: { p50: number; p95: number; max: number };
  /** Time-averaged share of the cluster allocated, over [0, horizon]. */
  utilization: { cpu: number; memory: number };
  /** Time-averaged allocated GPUs / GPUs in the cluster. */
  gpuAllocationRatio: number;
  /** The highest shares allocated at any instant (for a static batch: after its first pass). */
  peak: { cpu: number; gpu: number };
  /** Cost of the jobs placed by the first pass of a static batch, USD. */
  firstPassCostUsd: number;
  batch: BatchSummary | undefined;
  horizonS: number;
  wallMs: number;
}

export interface BatchSummary {
  passes: number;
  fellBackToGreedy: number;
  first: BatchStats | undefined;
}

/** The report for one run. */
export function summariseRun(run: SimulationRun): PolicyReport {
  const costUsd = { compute: 0, data: 0, idle: 0, total: 0 };
  const jobs = {
    total: run.outcomes.length,
    ran: 0,
    waiting: 0,
    overBudget: 0,
    unschedulable: 0,
    placedAtOnce: 0,
  };
  const waits: number[] = [];
  let sloMisses = 0;
  let firstPassCostUsd = 0;

  for (const o of run.outcomes) {
    if (o.fate === 'ran') jobs.ran++;
    else if (o.fate === 'waiting') jobs.waiting++;
    else if (o.fate === 'over-budget') jobs.overBudget++;
    else jobs.unschedulable++;
    if (o.sloMissed) sloMisses++;
    if (!o.cost) continue;
    costUsd.compute += o.cost.computeCostUsd;
    costUsd.data += o.cost.dataTransferUsd;
    costUsd.idle += o.cost.idleOpportunityUsd;
    costUsd.total += o.cost.totalCostUsd;
    waits.push(o.startS - o.arrivalS);
    if (o.startS === o.arrivalS) {
      jobs.placedAtOnce++;
      firstPassCostUsd += o.cost.totalCostUsd;
    }
  }

  const horizon = run.horizonS > 0 ? run.horizonS : 1;
  const avg = (allocated: number, capacity: number): number =>
    capacity > 0 ? allocated / (capacity * horizon) : 0;
  waits.sort((a, b) => a - b);
  return {
    policy: run.policy,
    costUsd,
    jobs,
    sloMisses,
    waitS: { p50: quantile(waits, 0.5), p95: quantile(waits, 0.95), max: waits.at(-1) ?? 0 },
    utilization: {
      cpu: avg(run.allocatedSeconds.cpuCores, run.capacity.cpuCores),
      memory: avg(run.allocatedSeconds.memoryGb, run.capacity.memoryGb),
    },
    gpuAllocationRatio: avg(run.allocatedSeconds.gpuCount, run.capacity.gpuCount),
    peak: {
      cpu: run.timeline.reduce((m, p) => Math.max(m, p.cpuShare), 0),
      gpu: run.timeline.reduce((m, p) => Math.max(m, p.gpuShare), 0),
    },
    firstPassCostUsd,
    batch:
      run.policy === 'tgp'
        ? {
            passes: run.batches.length,
            fellBackToGreedy: run.batches.filter((b) => b.fellBackToGreedy).length,
            first: run.batches[0],
          }
        : undefined,
    horizonS: run.horizonS,
    wallMs: Math.round(run.wallMs),
  };
}

/** The value at quantile `q` of sorted numbers (nearest rank); 0 when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** A whole simulation: the setting, every policy, the LP bound when one was solved. */
export interface SimulationReport {
  mode: 'replay' | 'static';
  workload: string;
  cluster: { nodes: number; cpuCores: number; memoryGb: number; gpus: number };
  policies: PolicyReport[];
  lpBound: LpBound | undefined;
  /** Per other policy: (its total - tgp's total) / its total; positive means TGP saved. */
  tgpSavings: Record<string, number>;
  notes: string[];
}

/** Fills in the savings of tgp over each other policy. */
export function compare(base: Omit<SimulationReport, 'tgpSavings'>): SimulationReport {
  const tgp = base.policies.find((p) => p.policy === 'tgp');
  const tgpSavings: Record<string, number> = {};
  if (tgp) {
    for (const p of base.policies) {
      if (p.policy === 'tgp' || p.costUsd.total <= 0) continue;
      tgpSavings[p.policy] = (p.costUsd.total - tgp.costUsd.total) / p.costUsd.total;
    }
  }
  return { ...base, tgpSavings };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const secs = (s: number): string => (s >= 100 ? `${Math.round(s)}` : s.toFixed(1));

/** A table for people, one row per policy, with the bound and savings under it. */
export function reportTable(report: SimulationReport): string {
  const header = [
    'POLICY',
    'C_COMP',
    'C_DATA',
    'C_IDLE',
    'C_TOTAL',
    'RAN',
    'WAITING',
    'OVER_BUDGET',
    'UNSCHEDULABLE',
    'SLO_MISSES',
    'WAIT_P50_S',
    'WAIT_P95_S',
    'CPU_UTIL',
    'GPU_ALLOC',
    'GPU_PEAK',
  ];
  const rows = report.policies.map((p) => [
    p.policy,
    formatUsd(p.costUsd.compute),
    formatUsd(p.costUsd.data),
    formatUsd(p.costUsd.idle),
    formatUsd(p.costUsd.total),
    String(p.jobs.ran),
    String(p.jobs.waiting),
    String(p.jobs.overBudget),
    String(p.jobs.unschedulable),
    String(p.sloMisses),
    secs(p.waitS.p50),
    secs(p.waitS.p95),
    pct(p.utilization.cpu),
    pct(p.gpuAllocationRatio),
    pct(p.peak.gpu),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();

  const c = report.cluster;
  const out = [
    `${report.mode} of ${report.workload} on ${c.nodes} nodes ` +
      `(${Math.round(c.cpuCores)} cores, ${Math.round(c.memoryGb)} GB, ${c.gpus} GPUs)`,
    line(header),
    ...rows.map(line),
  ];
  const bound = report.lpBound;
  if (bound) {
    out.push(
      `LP lower bound: ${formatUsd(bound.objectiveUsd)} (${bound.status}, ` +
        `${bound.jobsPlaced.toFixed(1)}/${bound.jobsTotal} jobs, ${bound.nodeClasses} classes)`,
    );
    for (const p of report.policies) {
      if (!(bound.objectiveUsd > 0)) break;
      out.push(
        `  ${p.policy}: ${pct(p.costUsd.total / bound.objectiveUsd - 1)} above the bound ` +
          `(first pass placed ${p.jobs.placedAtOnce} jobs for ${formatUsd(p.firstPassCostUsd)})`,
      );
    }
  }
  for (const [policy, saving] of Object.entries(report.tgpSavings)) {
    out.push(`tgp vs ${policy}: ${saving >= 0 ? 'saves' : 'costs'} ${pct(Math.abs(saving))}`);
  }
  for (const note of report.notes) out.push(`note: ${note}`);
  return out.join('\n');
}

/**
 * About `max` points of a timeline: per equal slice of time, its first point, the point of
 * highest GPU share and its last point, so peaks survive (a static batch's first pass).
 */
export function downsample(points: readonly TimePoint[], max: number): TimePoint[] {
  if (points.length <= max) return [...points];
  const slices = Math.max(1, Math.floor(max / 3));
  const t0 = points[0]!.tS;
  const span = points.at(-1)!.tS - t0 || 1;
  const out: TimePoint[] = [];
  let i = 0;
  while (i < points.length) {
    const slice = Math.min(slices - 1, Math.floor(((points[i]!.tS - t0) / span) * slices));
    let j = i;
    let peak = i;
    while (j + 1 < points.length) {
      const next = Math.min(slices - 1, Math.floor(((points[j + 1]!.tS - t0) / span) * slices));
      if (next !== slice) break;
      j++;
      if (points[j]!.gpuShare > points[peak]!.gpuShare) peak = j;
    }
    for (const k of new Set([i, peak, j].sort((a, b) => a - b))) out.push(points[k]!);
    i = j + 1;
  }
  return out;
}
