/**
 * The price sheet: what capacity costs per hour, split into per-GPU (by model), per-core
 * and per-GB components, plus transfer prices between locations. A node's hourly price is
 * the sum of its components, so any node shape can be priced from a handful of list
 * prices. docs/simulator.md documents the file; config/price-sheet.sample.json is one.
 */
import { readFileSync } from 'node:fs';
import type { TransferConfig, TransferLink } from '../cost/transfer.js';
import { TgpError } from '../errors.js';

/** How owned (already paid for) capacity is charged, as shares of its on-demand price. */
export interface OwnedCapacity {
  /** Marginal running cost (power, cooling, wear) as a share of the on-demand price. */
  runningCostShare: number;
  /** What idle capacity could earn elsewhere (C_idle), as a share of the on-demand price. */
  opportunityCostShare: number;
}

/** The parsed price sheet; `sources` and `notes` are kept for reports, never priced. */
export interface PriceSheet {
  /** USD per GPU-hour, by GPU model name as nodes report it. */
  gpuPerHourUsd: Readonly<Record<string, number>>;
  /** USD per core-hour. */
  corePerHourUsd: number;
  /** USD per GB-hour of memory. */
  memoryGbPerHourUsd: number;
  owned: OwnedCapacity;
  transfer: TransferConfig;
  /** Where each price came from, by key ("T4", "corePerHourUsd", ...). */
  sources: Readonly<Record<string, string>>;
  notes: readonly string[];
}

/** What a node costs per hour under a price sheet. */
export interface NodePrice {
  pricePerHourUsd: number;
  opportunityCostPerHourUsd: number;
}

/** The capacity a price is computed from. */
export interface PricedShape {
  cpuCores: number;
  memoryGb: number;
  gpuCount: number;
  gpuModel: string;
}

/**
 * The node's on-demand list price: GPUs x model price + cores x core price + GB x GB price.
 * Owned nodes pay only the running-cost share and carry the opportunity-cost share as C_idle.
 */
export function priceNode(sheet: PriceSheet, shape: PricedShape, owned: boolean): NodePrice {
  let listUsd = shape.cpuCores * sheet.corePerHourUsd + shape.memoryGb * sheet.memoryGbPerHourUsd;
  if (shape.gpuCount > 0) {
    const gpuUsd = sheet.gpuPerHourUsd[shape.gpuModel];
    if (gpuUsd === undefined) {
      const known = Object.keys(sheet.gpuPerHourUsd).join(', ');
      throw new TgpError(
        'CONFIG_INVALID',
        `price sheet has no price for GPU model ${JSON.stringify(shape.gpuModel)} (has ${known})`,
        'gpuPerHourUsd',
        shape.gpuModel,
      );
    }
    listUsd += shape.gpuCount * gpuUsd;
  }
  if (!owned) return { pricePerHourUsd: listUsd, opportunityCostPerHourUsd: 0 };
  return {
    pricePerHourUsd: listUsd * sheet.owned.runningCostShare,
    opportunityCostPerHourUsd: listUsd * sheet.owned.opportunityCostShare,
  };
}

/** Reads and validates a price sheet file. */
export function loadPriceSheet(file: string): PriceSheet {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TgpError('CONFIG_INVALID', `price sheet ${file}: ${why}`, 'price-sheet', file);
  }
  return parsePriceSheet(raw, file);
}

/** Validates a parsed price sheet; every error names the field and the value at fault. */
export function parsePriceSheet(raw: unknown, file = 'price sheet'): PriceSheet {
  const root = object(raw, file, '(root)');
  const gpus = object(root.gpuPerHourUsd, file, 'gpuPerHourUsd');
  const gpuPerHourUsd: Record<string, number> = {};
  for (const [model, value] of Object.entries(gpus)) {
    gpuPerHourUsd[model] = price(value, file, `gpuPerHourUsd.${model}`);
  }
  const owned = object(root.owned ?? {}, file, 'owned');
  const transfer = object(root.transfer ?? {}, file, 'transfer');
  const links: Record<string, TransferLink> = {};
  for (const [key, value] of Object.entries(object(transfer.links ?? {}, file, 'transfer.links'))) {
    if (!/^[^>]+->[^>]+$/.test(key)) {
      throw bad(file, `transfer.links.${key}`, key, 'keys are "from->to"');
    }
    links[key] = link(value, file, `transfer.links.${key}`);
  }

  return {
    gpuPerHourUsd,
    corePerHourUsd: price(root.corePerHourUsd, file, 'corePerHourUsd'),
    memoryGbPerHourUsd: price(root.memoryGbPerHourUsd, file, 'memoryGbPerHourUsd'),
    owned: {
      runningCostShare: share(owned.runningCostShare ?? 1, file, 'owned.runningCostShare'),
      opportunityCostShare: share(
        owned.opportunityCostShare ?? 0,
        file,
        'owned.opportunityCostShare',
      ),
    },
    transfer: {
      default: link(transfer.default ?? DEFAULT_LINK, file, 'transfer.default'),
      sameLocation: link(transfer.sameLocation ?? SAME_LOCATION, file, 'transfer.sameLocation'),
      links,
    },
    sources: strings(root.sources ?? {}, file, 'sources'),
    notes: Array.isArray(root.notes) ? root.notes.map(String) : [],
  };
}

const DEFAULT_LINK = { pricePerGbUsd: 0.09, bandwidthGbps: 1 };
const SAME_LOCATION = { pricePerGbUsd: 0, bandwidthGbps: 10 };

function bad(file: string, field: string, value: unknown, rule: string): TgpError {
  return new TgpError(
    'CONFIG_INVALID',
    `${file}: invalid ${field} ${JSON.stringify(value) ?? String(value)}: ${rule}`,
    field,
    value,
  );
}

function object(value: unknown, file: string, field: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw bad(file, field, value, 'must be an object');
}

function price(value: unknown, file: string, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  throw bad(file, field, value, 'must be a number >= 0 (USD)');
}

function share(value: unknown, file: string, field: string): number {
  if (typeof value === 'number' && value >= 0 && value <= 10) return value;
  throw bad(file, field, value, 'must be a share of the on-demand price, 0 to 10');
}

function link(value: unknown, file: string, field: string): TransferLink {
  const o = object(value, file, field);
  const bandwidthGbps = o.bandwidthGbps;
  if (typeof bandwidthGbps !== 'number' || !(bandwidthGbps > 0)) {
    throw bad(file, `${field}.bandwidthGbps`, bandwidthGbps, 'must be a number > 0 (Gbit/s)');
  }
  return { pricePerGbUsd: price(o.pricePerGbUsd, file, `${field}.pricePerGbUsd`), bandwidthGbps };
}

function strings(value: unknown, file: string, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(object(value, file, field))) out[k] = String(v);
  return out;
}
