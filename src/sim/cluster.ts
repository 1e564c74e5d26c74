/**
 * Cluster descriptions for the simulator: a JSON file of node groups, or the Alibaba GPU
 * trace's node list. Either way every node is priced from the price sheet (unless the file
 * names its own price) and comes out as a PlacementNode with all of its capacity free.
 */
import { readFileSync } from 'node:fs';
import { TgpError } from '../errors.js';
import type { PlacementNode } from '../placement/types.js';
import { numberCell, parseCsv } from './csv.js';
import { priceNode, type PriceSheet } from './price-sheet.js';

/** One group of identical nodes in a cluster file. */
export interface NodeGroupSpec {
  /** Node id; a group of `count` > 1 names its nodes `<nodeId>-1` ... `<nodeId>-<count>`. */
  nodeId: string;
  count?: number;
  cpuCores: number;
  memoryGb: number;
  gpuCount?: number;
  gpuModel?: string;
  diskGb?: number;
  location?: string;
  /** Owned capacity pays the sheet's running-cost share and carries its opportunity cost. */
  owned?: boolean;
  /** Overrides the price sheet for this group (USD per hour, whole node). */
  pricePerHourUsd?: number;
  opportunityCostPerHourUsd?: number;
  labels?: Record<string, string>;
  executors?: string[];
  startupMs?: number;
  rttMs?: number;
}

/** What every node gets unless its group says otherwise. */
export interface NodeDefaults {
  location: string;
  diskGb: number;
  executors: string[];
  /** Container start time, milliseconds. */
  startupMs: number;
  rttMs: number;
}

export const NODE_DEFAULTS: NodeDefaults = {
  location: 'default',
  diskGb: 0,
  executors: ['docker', 'process'],
  startupMs: 2000,
  rttMs: 1,
};

/** Reads a cluster JSON file: `{ "defaults": {...}, "nodes": [NodeGroupSpec, ...] }`. */
export function loadClusterFile(file: string, sheet: PriceSheet): PlacementNode[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TgpError('CONFIG_INVALID', `cluster ${file}: ${why}`, 'cluster', file);
  }
  const root = (raw ?? {}) as { defaults?: Partial<NodeDefaults>; nodes?: unknown };
  if (!Array.isArray(root.nodes) || root.nodes.length === 0) {
    throw new TgpError('CONFIG_INVALID', `cluster ${file}: "nodes" must be a non-empty list`);
  }
  const defaults = { ...NODE_DEFAULTS, ...root.defaults };
  return (root.nodes as NodeGroupSpec[]).flatMap((group, i) =>
    expandGroup(group, defaults, sheet, `${file}: nodes[${i}]`),
  );
}

/** The nodes of one group, priced. */
export function expandGroup(
  group: NodeGroupSpec,
  defaults: NodeDefaults,
  sheet: PriceSheet,
  where = 'node group',
): PlacementNode[] {
  for (const field of ['cpuCores', 'memoryGb'] as const) {
    if (!(typeof group[field] === 'number' && group[field] > 0)) {
      throw new TgpError(
        'CONFIG_INVALID',
        `${where}: invalid ${field} ${JSON.stringify(group[field])}: must be a number > 0`,
        field,
        group[field],
      );
    }
  }
  const count = group.count ?? 1;
  if (!Number.isInteger(count) || count < 1) {
    throw new TgpError('CONFIG_INVALID', `${where}: invalid count ${count}: must be >= 1`);
  }

  const gpuCount = group.gpuCount ?? 0;
  const gpuModel = group.gpuModel ?? '';
  const listed = priceNode(
    sheet,
    { cpuCores: group.cpuCores, memoryGb: group.memoryGb, gpuCount, gpuModel },
    group.owned ?? false,
  );
  const diskGb = group.diskGb ?? defaults.diskGb;
  const nodes: PlacementNode[] = [];
  for (let i = 1; i <= count; i++) {
    nodes.push({
      nodeId: count === 1 ? group.nodeId : `${group.nodeId}-${i}`,
      ready: true,
      cpuCores: group.cpuCores,
      memoryGb: group.memoryGb,
      gpuCount,
      gpuModel,
      diskGb,
      pricePerHourUsd: group.pricePerHourUsd ?? listed.pricePerHourUsd,
      opportunityCostPerHourUsd:
        group.opportunityCostPerHourUsd ?? listed.opportunityCostPerHourUsd,
      location: group.location ?? defaults.location,
      labels: group.labels ?? {},
      executors: group.executors ?? defaults.executors,
      startupMs: group.startupMs ?? defaults.startupMs,
      rttMs: group.rttMs ?? defaults.rttMs,
      free: { cpuCores: group.cpuCores, memoryGb: group.memoryGb, gpuCount, diskGb },
    });
  }
  return nodes;
}

const ALIBABA_NODE_COLUMNS = ['sn', 'cpu_milli', 'memory_mib', 'gpu', 'model'];

/**
 * The Alibaba trace's node list (`sn,cpu_milli,memory_mib,gpu,model`): cores from
 * thousandths, GB from MiB (1 GB = 1024 MiB, the unit cloud prices use), all rented on demand
 * at one location unless `defaults` says otherwise.
 */
export function loadAlibabaNodes(
  file: string,
  sheet: PriceSheet,
  defaults: NodeDefaults = NODE_DEFAULTS,
): PlacementNode[] {
  const records = parseCsv(readFileSync(file, 'utf8'), file, ALIBABA_NODE_COLUMNS);
  return records.flatMap((r, i) => {
    const line = i + 2;
    const gpuCount = numberCell(r, 'gpu', file, line);
    const group: NodeGroupSpec = {
      nodeId: r.sn ?? `node-${line}`,
      cpuCores: numberCell(r, 'cpu_milli', file, line) / 1000,
      memoryGb: numberCell(r, 'memory_mib', file, line) / 1024,
      gpuCount,
      gpuModel: gpuCount > 0 ? (r.model ?? '') : '',
    };
    return expandGroup(group, defaults, sheet, `${file}:${line}`);
  });
}

/** Fresh copies of `nodes` with all capacity free, so runs never share state. */
export function freshNodes(nodes: readonly PlacementNode[]): PlacementNode[] {
  return nodes.map((n) => ({
    ...n,
    free: { cpuCores: n.cpuCores, memoryGb: n.memoryGb, gpuCount: n.gpuCount, diskGb: n.diskGb },
  }));
}
