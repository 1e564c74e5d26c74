/** Human-readable output: tables, dollar amounts, the Formula 4.1 lines. */
import {
  JobState,
  NodeState,
  type CostBreakdown,
  type Job,
  type PlacementReport,
} from '../api/gen/tgp/v1/tgp.js';
import { formatUsd } from '../cost/formula.js';

/** Pads columns to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function stateName(state: JobState): string {
  return JobState[state] ?? String(state);
}

export function nodeStateName(state: NodeState): string {
  return NodeState[state] ?? String(state);
}

/** The original TGP's cost block, one line per term. */
export function costLines(cost: CostBreakdown | undefined, indent = '  '): string[] {
  if (!cost) return [];
  return [
    `${indent}C_comp:  ${formatUsd(cost.computeCostUsd)}`,
    `${indent}C_data:  ${formatUsd(cost.dataTransferUsd)}`,
    `${indent}C_idle:  ${formatUsd(cost.idleOpportunityUsd)}`,
    `${indent}C_total: ${formatUsd(cost.totalCostUsd)}`,
    `${indent}Estimated latency: ${Math.round(cost.estimatedLatencyMs)} ms`,
  ];
}

export function time(ms: number): string {
  return ms > 0 ? new Date(ms).toISOString() : '-';
}

/** Every node's verdict, cheapest feasible first. */
export function verdictTable(report: PlacementReport | undefined): string {
  if (!report) return '';
  const rows = report.verdicts.map((v) => [
    v.nodeId,
    v.reason,
    v.cost ? formatUsd(v.cost.computeCostUsd) : '-',
    v.cost ? formatUsd(v.cost.dataTransferUsd) : '-',
    v.cost ? formatUsd(v.cost.idleOpportunityUsd) : '-',
    v.cost ? formatUsd(v.cost.totalCostUsd) : '-',
    v.cost ? `${Math.round(v.cost.estimatedLatencyMs)}` : '-',
    v.detail,
  ]);
  return table(
    ['NODE', 'VERDICT', 'C_COMP', 'C_DATA', 'C_IDLE', 'C_TOTAL', 'LATENCY_MS', 'DETAIL'],
    rows,
  );
}

/** The status of one job, as `get-status` prints it. */
export function jobDetail(job: Job): string {
  const spec = job.spec;
  const lines = [
    `Job ${spec?.jobId ?? '?'}: ${stateName(job.state)}${job.nodeId ? ` on ${job.nodeId}` : ''}`,
    `  attempt ${job.attempt}, priority ${spec?.priority ?? 0}, cpu ${spec?.cpuCores}, memory ${spec?.memoryGb} GB` +
      (spec?.gpuCount ? `, gpu ${spec.gpuCount}${spec.gpuModel ? ` ${spec.gpuModel}` : ''}` : '') +
      `, budget ${formatUsd(spec?.maxBudgetUsd ?? 0)}, latency limit ${spec?.maxLatencyMs} ms`,
  ];
  if (job.reason) lines.push(`  why: ${job.reason}`);
  if (job.estimated) lines.push('  estimated cost:', ...costLines(job.estimated, '    '));
  if (job.actual) {
    lines.push(
      `  actual cost (ran ${job.actualRuntimeS.toFixed(2)} s):`,
      ...costLines(job.actual, '    ').slice(0, 4),
    );
  }
  if (job.endReason) lines.push(`  ended: ${job.endReason}, exit code ${job.exitCode}`);
  lines.push(
    `  submitted ${time(job.submittedAtMs)}, started ${time(job.startedAtMs)}, finished ${time(job.finishedAtMs)}`,
  );
  if (job.events.length > 0) {
    lines.push('  events:');
    for (const e of job.events)
      lines.push(`    ${time(e.atMs)}  ${e.type.padEnd(16)} ${e.message}`);
  }
  return lines.join('\n');
}
