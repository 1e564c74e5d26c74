/**
 * How a job record is written to the store: as JSON, but without the fields that hold
 * their default (most of them, for a job that waits), and with a placement's verdicts as
 * short rows that share their Formula 4.1 costs (feasible nodes of one class all cost the
 * same). A queued job takes about 250 bytes instead of several kilobytes, which is what
 * makes a million of them cheap to commit and quick to load back.
 *
 * Records are self-describing: a field the codec does not know is written as it is, and
 * records of the earlier plain form are read as well.
 */
import { JobSpec } from '../api/gen/tgp/v1/tgp.js';
import type { Cost } from '../cost/formula.js';
import type { JobRecord, PlacementRecord } from './job-record.js';

/** Marks the compact form; records without it are the earlier plain JSON. */
const FORM = 'v';
const FORM_VERSION = 1;

/** What a record holds when nothing happened to it yet; TypeScript keeps it complete. */
const RECORD_DEFAULTS: Omit<JobRecord, 'spec' | 'seq'> = {
  state: 'PENDING',
  nodeId: '',
  attempt: 0,
  reason: '',
  endReason: '',
  estimated: undefined,
  actual: undefined,
  exitCode: 0,
  submittedAtMs: 0,
  scheduledAtMs: 0,
  startedAtMs: 0,
  finishedAtMs: 0,
  actualRuntimeS: 0,
  placement: undefined,
  cancelRequested: false,
  lostRuns: 0,
  logBytes: 0,
  logBytesCut: 0,
  runOutputBytes: 0,
};

/** Frozen: decoded and interned specs share these empty values. */
const EMPTY_MAP: Record<string, string> = Object.freeze({}) as Record<string, string>;
const EMPTY_LIST: string[] = Object.freeze([]) as unknown as string[];
/** A record with every field at its default: a job just submitted, not yet saved. */
export function blankRecord(spec: JobSpec, seq: number): JobRecord {
  return { spec, seq, ...RECORD_DEFAULTS };
}

const SPEC_DEFAULTS: Readonly<JobSpec> = Object.freeze({
  ...JobSpec.fromPartial({}),
  command: EMPTY_LIST,
  env: EMPTY_MAP,
  constraints: EMPTY_MAP,
});

type CostRow = [number, number, number, number, number, number];
/** nodeId, reason, detail, index into the cost rows (-1: none), retryable (1 or 0). */
type VerdictRow = [string, string, string, number, number];

function costRow(c: Cost): CostRow {
  return [
    c.computeCostUsd,
    c.dataTransferUsd,
    c.idleOpportunityUsd,
    c.totalCostUsd,
    c.estimatedLatencyMs,
    c.utilization,
  ];
}

function costOf(r: CostRow): Cost {
  return {
    computeCostUsd: r[0],
    dataTransferUsd: r[1],
    idleOpportunityUsd: r[2],
    totalCostUsd: r[3],
    estimatedLatencyMs: r[4],
    utilization: r[5],
  };
}

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (value !== null && typeof value === 'object') {
    for (const _ in value) return false;
    return true;
  }
  return false;
}

/** The spec's fields that differ from the empty spec. */
export function encodeSpec(spec: JobSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const defaults = SPEC_DEFAULTS as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(spec)) {
    if (value === defaults[key] || (key in defaults && isEmpty(value))) continue;
    out[key] = value;
  }
  return out;
}

function encodePlacement(p: PlacementRecord): unknown {
  const costs: CostRow[] = [];
  const seen = new Map<Cost, number>();
  const rows: VerdictRow[] = p.verdicts.map((v) => {
    let at = -1;
    if (v.cost) {
      at = seen.get(v.cost) ?? -1;
      if (at < 0) {
        at = costs.push(costRow(v.cost)) - 1;
        seen.set(v.cost, at);
      }
    }
    return [v.nodeId, v.reason, v.detail, at, v.retryable ? 1 : 0];
  });
  return [p.summary, p.chosenNodeId, p.nodesTotal, p.nodesFeasible, p.decidedAtMs, rows, costs];
}

function decodePlacement(raw: unknown): PlacementRecord {
  const [summary, chosenNodeId, nodesTotal, nodesFeasible, decidedAtMs, rows, costs] = raw as [
    string,
    string,
    number,
    number,
    number,
    VerdictRow[],
    CostRow[],
  ];
  const shared = costs.map(costOf);
  return {
    summary,
    chosenNodeId,
    nodesTotal,
    nodesFeasible,
    decidedAtMs,
    verdicts: rows.map(([nodeId, reason, detail, at, retryable]) => ({
      nodeId,
      reason,
      detail,
      cost: at >= 0 ? shared[at] : undefined,
      retryable: retryable === 1,
    })),
  };
}

/**
 * The spec as the store keeps it (StoredJob.spec): its fields that differ from the empty
 * spec, as JSON, without the job id. Specs submitted alike give one text.
 */
export function specText(spec: JobSpec): string {
  // A queued job's spec is asked for twice in a row (to pack it, then to save it).
  if (spec !== lastSpec) {
    lastSpec = spec;
    lastText = JSON.stringify(encodeSpec({ ...spec, jobId: '' }));
  }
  return lastText;
}
let lastSpec: JobSpec | undefined;
let lastText = '';

/** A spec from its stored text and the job id. */
export function specFromText(text: string, jobId: string): JobSpec {
  return decodeSpec({ ...(JSON.parse(text) as Record<string, unknown>), jobId });
}

/** The record as the store keeps it, without the spec (see specText). */
export function encodeJob(job: JobRecord): unknown {
  const out: Record<string, unknown> = { [FORM]: FORM_VERSION };
  const defaults = RECORD_DEFAULTS as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(job)) {
    if (key === 'spec' || value === undefined || value === defaults[key]) continue;
    if (key === 'placement') out[key] = encodePlacement(value as PlacementRecord);
    else if (key === 'estimated' || key === 'actual') out[key] = costRow(value as Cost);
    else out[key] = value;
  }
  return out;
}

/** A spec from its compact form. */
export function decodeSpec(raw: unknown): JobSpec {
  return { ...SPEC_DEFAULTS, ...(raw as Partial<JobSpec>) };
}

/** What a stored job waiting for its first placement holds besides its spec. */
export interface StoredWaiting {
  submittedAtMs: number;
  reason: string;
}

const WAITING_KEYS = new Set([FORM, 'seq', 'submittedAtMs', 'reason']);

/**
 * The parts of a stored record when it is a job waiting for its first placement (in the
 * compact form, nothing but seq, submission time and reason); otherwise undefined. Lets
 * recovery pack such jobs without building their records.
 */
export function waitingOf(raw: unknown): StoredWaiting | undefined {
  const stored = raw as Record<string, unknown>;
  if (stored[FORM] === undefined) return undefined;
  for (const key in stored) if (!WAITING_KEYS.has(key)) return undefined;
  return {
    submittedAtMs: (stored.submittedAtMs as number | undefined) ?? 0,
    reason: (stored.reason as string | undefined) ?? '',
  };
}

/** A record from the store, in the compact form or the earlier plain one, with its spec. */
export function decodeJob(raw: unknown, spec: JobSpec): JobRecord {
  const stored = raw as Record<string, unknown>;
  if (stored[FORM] === undefined) {
    const plain = stored as unknown as JobRecord;
    return { ...RECORD_DEFAULTS, ...plain, spec };
  }
  // Fields in the order newJob() gives them, so that all records share one object shape.
  const job = { spec, seq: 0, ...RECORD_DEFAULTS } as Record<string, unknown>;
  for (const key in stored) {
    if (key === FORM || key === 'spec') continue;
    const value = stored[key];
    if (key === 'placement') job.placement = decodePlacement(value);
    else if (key === 'estimated' || key === 'actual') job[key] = costOf(value as CostRow);
    else job[key] = value;
  }
  return job as unknown as JobRecord;
}

const commands = new Map<string, string[]>();

/**
 * Shares the spec's empty maps and its command with other specs, in place (the spec must
 * be the caller's own, fresh from validation): a million queued jobs of a few commands then
 * hold a few command arrays. The shared values are frozen; nothing changes a spec after
 * validation.
 */
export function internSpec(spec: JobSpec): JobSpec {
  if (spec.command.length === 0) spec.command = EMPTY_LIST;
  else {
    const key = JSON.stringify(spec.command);
    let command = commands.get(key);
    if (!command) {
      if (commands.size >= 4096) commands.clear();
      command = Object.freeze([...spec.command]) as unknown as string[];
      commands.set(key, command);
    }
    spec.command = command;
  }
  if (isEmpty(spec.env)) spec.env = EMPTY_MAP;
  if (isEmpty(spec.constraints)) spec.constraints = EMPTY_MAP;
  return spec;
}

const phrases = new Map<string, string>();

/** One string for equal sentences (a queue of a million jobs holds few distinct reasons). */
export function internText(text: string): string {
  const known = phrases.get(text);
  if (known !== undefined) return known;
  if (phrases.size >= 4096) phrases.clear();
  phrases.set(text, text);
  return text;
}
