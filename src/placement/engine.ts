/**
 * Placement at scale. The engine answers `place(job)` with the decision the flat scan of
 * pipeline.ts would make over the same nodes (same node, same summary, same counts by
 * reason, the same first verdicts) without judging every node:
 *
 * 1. Nodes are grouped into classes of identical shape, price, location, labels and
 *    executors (node-classes.ts). The permanent filters, the price and the budget and
 *    latency checks give one outcome per class, found by running judgeNode on the class's
 *    probe, and kept per job shape (every field of the job but its id), as Nomad keeps
 *    feasibility per computed node class.
 * 2. Within a class that passes, only readiness and free capacity differ. A counter per
 *    demand counts the members by transient outcome and knows the lowest fitting node id;
 *    each allocate or release moves the counters by one member.
 * 3. The pick walks the passing classes cheapest first and takes the lowest fitting node
 *    ids, so the tie-breaks are those of compareFeasible: cost, then latency, then node id.
 *
 * The flat scan stays the reference and the benchmark floor; test/placement/engine.test.ts
 * checks the two agree over randomized clusters.
 */
import type { TransferPrices } from '../cost/transfer.js';
import { compareFeasible, judgeNode } from './pipeline.js';
import { summariseTally, type ReasonTally } from './summary.js';
import {
  classKey,
  DOWN,
  FITS,
  NodeClass,
  TRANSIENT_REASONS,
  type DemandCounter,
  type Slot,
} from './node-classes.js';
import {
  REASONS,
  type Decision,
  type PlacementJob,
  type PlacementNode,
  type Reason,
  type ResourceAmounts,
  type Verdict,
} from './types.js';

/** A decision plus the number of nodes behind each reason, as the flat scan would count. */
export interface EngineDecision extends Decision {
  counts: ReadonlyMap<Reason, number>;
  /** What the summary sentence was written from. */
  tally: ReasonTally;
}

export interface EngineOptions {
  /**
   * Verdicts returned per decision: the cheapest feasible nodes first, then rejected ones
   * in the order the nodes were added, as the flat scan's verdicts begin. At least 2, so
   * that the summary can name the runner-up.
   */
  verdictsKept: number;
  /** Job shapes whose class outcomes are kept; the least recently used is dropped. */
  shapesKept: number;
}

const DEFAULT_OPTIONS: EngineOptions = { verdictsKept: 20, shapesKept: 4096 };

// Counts live in arrays indexed by a reason's position in REASONS.
const CODE_OF = new Map(REASONS.map((r, i) => [r, i]));
const FEASIBLE_CODE = 0;
const OVER_BUDGET_CODE = CODE_OF.get('OVER_BUDGET')!;
const OVER_LATENCY_CODE = CODE_OF.get('OVER_LATENCY')!;
/** Position in REASONS of each transient outcome code of node-classes.ts. */
const TRANSIENT_CODES = TRANSIENT_REASONS.map((r) => CODE_OF.get(r)!);
const FITS_CODE = FITS;
const DOWN_CODE = DOWN;

/** One class's outcome for one job shape, before readiness and free capacity. */
interface ClassOutcome {
  /** Position in REASONS; FEASIBLE when the class passes the permanent and price checks. */
  code: number;
  /** The probe's verdict; the members' verdicts differ from it only by node id. */
  verdict: Verdict;
}

/** What the engine keeps per job shape. */
interface ShapeEntry {
  demandKey: string;
  outcomes: ClassOutcome[];
  /** Passing classes, cheapest offer first; classes whose offers tie share a group. */
  groups: NodeClass[][];
  passing: NodeClass[];
  /** Counters of the passing classes, by class index. */
  counters: (DemandCounter | undefined)[];
  /** The engine's membership epoch the fields below were summed at. */
  epoch: number;
  /** Nodes of the classes that fail before readiness, by reason position. */
  fixed: Float64Array;
  nodesTotal: number;
  cheapestOverBudgetUsd: number;
  fastestOverLatencyMs: number;
}

/** Every field of a placement job but its id, as one string; equal jobs share outcomes. */
export function shapeKey(job: PlacementJob): string {
  return (
    `${demandKeyOf(job)} ${job.durationS} ${job.inputDataGb} ${job.maxBudgetUsd} ` +
    `${job.maxLatencyMs} ${JSON.stringify(job.gpuModel)}${JSON.stringify(job.dataLocation)}` +
    `${JSON.stringify(job.executor)}${JSON.stringify(job.constraints)}`
  );
}

function demandKeyOf(d: ResourceAmounts): string {
  return `${d.cpuCores} ${d.memoryGb} ${d.gpuCount} ${d.diskGb}`;
}

export class PlacementEngine {
  private readonly classes: NodeClass[] = [];
  private readonly byKey = new Map<string, NodeClass>();
  private readonly slots = new Map<string, Slot>();
  /** Slots in the order the nodes were first added. */
  private readonly order: Slot[] = [];
  private readonly shapes = new Map<string, ShapeEntry>();
  private readonly options: EngineOptions;
  private nextOrdinal = 0;
  /** Bumped whenever a class gains or loses a member, so per-shape sums are redone. */
  private epoch = 0;
  private tick = 0;
  private roomy = 0;

  constructor(
    private readonly transfer: TransferPrices,
    options: Partial<EngineOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    this.options.verdictsKept = Math.max(2, this.options.verdictsKept);
  }

  /** Nodes known. */
  get size(): number {
    return this.slots.size;
  }

  /** Node classes, including ones left empty by a node that re-registered elsewhere. */
  get classCount(): number {
    return this.classes.length;
  }

  /** Adds a node, or files a known one again after its registration changed. */
  upsert(node: PlacementNode): void {
    const key = classKey(node);
    const known = this.slots.get(node.nodeId);
    if (known && known.cls.key === key) {
      known.node = node;
      this.update(node);
      return;
    }
    if (known) {
      this.roomy -= Number(known.cls.hasRoomAt(known.index));
      known.cls.removeAt(known.index);
    }
    this.epoch++;

    let cls = this.byKey.get(key);
    if (!cls) {
      cls = new NodeClass(this.classes.length, key, node);
      this.classes.push(cls);
      this.byKey.set(key, cls);
    }
    const slot: Slot = known ?? { node, cls, index: 0, ordinal: this.nextOrdinal++ };
    slot.node = node;
    if (!known) {
      this.slots.set(node.nodeId, slot);
      this.order.push(slot);
    }
    cls.insert(slot);
    this.roomy += Number(cls.hasRoomAt(slot.index));
  }

  /** Reads a known node's readiness and free capacity again; call after every change. */
  update(node: PlacementNode): void {
    const slot = this.slots.get(node.nodeId);
    if (!slot) return;
    this.roomy += slot.cls.refresh(slot.index);
  }

  /** True when some ready node has CPU and memory free (the scheduler's pass stops if not). */
  hasRoom(): boolean {
    return this.roomy > 0;
  }

  /**
   * False when no class has `demand` free on any ready member, judged by the largest free
   * amount per dimension: a cheap test that lets the pending pass skip a job.
   */
  mightFit(demand: ResourceAmounts): boolean {
    for (const cls of this.classes) {
      if (cls.mightFit(demand.cpuCores, demand.memoryGb, demand.gpuCount, demand.diskGb)) {
        return true;
      }
    }
    return false;
  }

  /** The flat scan's decision for `job` over the nodes known, in the order they came. */
  place(job: PlacementJob, key = shapeKey(job)): EngineDecision {
    this.tick++;
    const shape = this.shape(job, key);
    const counts = this.count(job, shape);
    const keep = this.options.verdictsKept;

    const fitting = this.cheapestFitting(shape, keep);
    const verdicts: Verdict[] = [];
    for (const slot of fitting) verdicts.push(feasibleVerdict(slot, shape));
    const chosen = verdicts[0];
    const runnerUp = verdicts[1];
    if (verdicts.length < keep) this.appendRejected(job, shape, keep - verdicts.length, verdicts);

    let couldLater = false;
    for (let k = DOWN_CODE; k < FITS_CODE; k++) couldLater ||= counts[TRANSIENT_CODES[k]!]! > 0;
    const tally: ReasonTally = {
      nodesTotal: shape.nodesTotal,
      counts: this.inFirstSeenOrder(job, shape, counts),
      cheapestOverBudgetUsd: shape.cheapestOverBudgetUsd,
      fastestOverLatencyMs: shape.fastestOverLatencyMs,
    };
    return {
      chosen,
      verdicts,
      summary: summariseTally(job, tally, chosen, runnerUp),
      neverFits: shape.nodesTotal > 0 && chosen === undefined && !couldLater,
      nodesTotal: shape.nodesTotal,
      nodesFeasible: counts[FEASIBLE_CODE]!,
      counts: tally.counts,
      tally,
    };
  }

  /**
   * The decision for `job` on `nodeId`, a node picked by someone else (batch placement):
   * the counts and rejections place() gives, that node as the choice and the engine's own
   * pick as the runner-up, so the summary says what the choice costs beside the cheapest
   * node alone. Undefined when that node cannot take the job now.
   */
  placeOn(job: PlacementJob, nodeId: string, detail: string): EngineDecision | undefined {
    const slot = this.slots.get(nodeId);
    if (!slot) return undefined;
    const verdict = judgeNode(job, slot.node, this.transfer);
    if (verdict.reason !== 'FEASIBLE') return undefined;
    const own = this.place(job);
    const chosen: Verdict = { ...verdict, detail };
    const others = own.verdicts.filter((v) => v.nodeId !== nodeId);
    const runnerUp = others.find((v) => v.reason === 'FEASIBLE');
    return {
      ...own,
      chosen,
      verdicts: [chosen, ...others],
      summary: summariseTally(job, own.tally, chosen, runnerUp),
    };
  }

  /** The shape's class outcomes, worked out for classes not seen before. */
  private shape(job: PlacementJob, key: string): ShapeEntry {
    let entry = this.shapes.get(key);
    if (entry) {
      // Most recently used last, so the first key is the one to drop.
      this.shapes.delete(key);
      this.shapes.set(key, entry);
    } else {
      if (this.shapes.size >= this.options.shapesKept) {
        const oldest = this.shapes.keys().next();
        if (!oldest.done) this.shapes.delete(oldest.value);
      }
      entry = {
        demandKey: demandKeyOf(job),
        outcomes: [],
        groups: [],
        passing: [],
        counters: [],
        epoch: -1,
        fixed: new Float64Array(REASONS.length),
        nodesTotal: 0,
        cheapestOverBudgetUsd: Infinity,
        fastestOverLatencyMs: Infinity,
      };
      this.shapes.set(key, entry);
    }

    if (entry.outcomes.length < this.classes.length) this.judgeClasses(job, entry);
    if (entry.epoch !== this.epoch) this.sumFixed(entry);
    return entry;
  }

  /** Runs the pipeline on the probe of each class the shape has not met yet. */
  private judgeClasses(job: PlacementJob, entry: ShapeEntry): void {
    for (let i = entry.outcomes.length; i < this.classes.length; i++) {
      const verdict = judgeNode(job, this.classes[i]!.probe, this.transfer);
      // Shared by every decision of the shape (and by the jobs placed with it).
      if (verdict.cost) Object.freeze(verdict.cost);
      entry.outcomes.push({ code: CODE_OF.get(verdict.reason)!, verdict });
    }
    const offer = (c: NodeClass): Verdict => entry.outcomes[c.index]!.verdict;
    const passing = this.classes.filter((c) => entry.outcomes[c.index]!.code === FEASIBLE_CODE);
    passing.sort((a, b) => compareFeasible(offer(a), offer(b)));
    entry.passing = passing;
    entry.groups = [];
    for (const cls of passing) {
      const group = entry.groups[entry.groups.length - 1];
      if (group && compareFeasible(offer(group[0]!), offer(cls)) === 0) group.push(cls);
      else entry.groups.push([cls]);
    }
  }

  /** Sums the classes that fail before readiness, multiplied out by class size. */
  private sumFixed(entry: ShapeEntry): void {
    entry.fixed.fill(0);
    entry.nodesTotal = 0;
    entry.cheapestOverBudgetUsd = Infinity;
    entry.fastestOverLatencyMs = Infinity;
    for (const cls of this.classes) {
      if (cls.size === 0) continue;
      entry.nodesTotal += cls.size;
      const { code, verdict } = entry.outcomes[cls.index]!;
      if (code === FEASIBLE_CODE) continue;
      entry.fixed[code]! += cls.size;
      const cost = verdict.cost;
      if (code === OVER_BUDGET_CODE && cost) {
        entry.cheapestOverBudgetUsd = Math.min(entry.cheapestOverBudgetUsd, cost.totalCostUsd);
      }
      if (code === OVER_LATENCY_CODE && cost) {
        entry.fastestOverLatencyMs = Math.min(entry.fastestOverLatencyMs, cost.estimatedLatencyMs);
      }
    }
    entry.epoch = this.epoch;
  }

  /** The class's counter for the shape's demand, kept up to date by the class. */
  private counterOf(job: PlacementJob, shape: ShapeEntry, cls: NodeClass): DemandCounter {
    let c = shape.counters[cls.index];
    if (c?.valid !== true) {
      c = cls.counter(
        shape.demandKey,
        job.cpuCores,
        job.memoryGb,
        job.gpuCount,
        job.diskGb,
        this.tick,
      );
      shape.counters[cls.index] = c;
    } else {
      c.lastUsed = this.tick;
    }
    return c;
  }

  /** Nodes by reason position: the fixed part plus each passing class's counter. */
  private count(job: PlacementJob, shape: ShapeEntry): Float64Array {
    const counts = shape.fixed.slice();
    for (const cls of shape.passing) {
      if (cls.size === 0) continue;
      const n = this.counterOf(job, shape, cls).counts;
      for (let k = DOWN_CODE; k <= FITS_CODE; k++) counts[TRANSIENT_CODES[k]!]! += n[k]!;
    }
    return counts;
  }

  /**
   * Counts as the summary wants them. It orders rejections of equal count by their first
   * node in judging order, so only reasons that tie need that node looked up.
   */
  private inFirstSeenOrder(
    job: PlacementJob,
    shape: ShapeEntry,
    counts: Float64Array,
  ): Map<Reason, number> {
    let tie = false;
    for (let a = 1; a < counts.length && !tie; a++) {
      for (let b = a + 1; b < counts.length && !tie; b++) {
        tie = counts[a]! > 0 && counts[a] === counts[b];
      }
    }
    const present: { code: number; at: number }[] = [];
    for (let code = 0; code < counts.length; code++) {
      if (counts[code]! > 0)
        present.push({ code, at: tie ? this.firstOrdinal(job, shape, code) : 0 });
    }
    if (tie) present.sort((a, b) => a.at - b.at);
    const out = new Map<Reason, number>();
    for (const p of present) out.set(REASONS[p.code]!, counts[p.code]!);
    return out;
  }

  /** Ordinal of the first node, in judging order, whose verdict has reason position `code`. */
  private firstOrdinal(job: PlacementJob, shape: ShapeEntry, code: number): number {
    if (code === FEASIBLE_CODE) return -1;
    const transient = TRANSIENT_CODES.indexOf(code);
    let best = Infinity;
    for (const cls of this.classes) {
      if (cls.size === 0 || cls.minOrdinal >= best) continue;
      const outcome = shape.outcomes[cls.index]!;
      if (outcome.code === code) best = cls.minOrdinal;
      else if (outcome.code === FEASIBLE_CODE && transient >= 0) {
        const c = this.counterOf(job, shape, cls);
        if (c.counts[transient]! > 0) best = Math.min(best, cls.firstOrdinalOf(c, transient));
      }
    }
    return best;
  }

  /**
   * The `limit` cheapest fitting nodes in compareFeasible order: passing classes by offer,
   * and within a group of classes whose offers tie, by node id across them.
   */
  private cheapestFitting(shape: ShapeEntry, limit: number): Slot[] {
    const out: Slot[] = [];
    for (const group of shape.groups) {
      const want = limit - out.length;
      if (want <= 0) break;
      if (group.length === 1) {
        const cls = group[0]!;
        if (cls.size > 0) cls.collectFitting(shape.counters[cls.index]!, want, out);
        continue;
      }
      const merged: Slot[] = [];
      for (const cls of group) {
        if (cls.size > 0) cls.collectFitting(shape.counters[cls.index]!, want, merged);
      }
      merged.sort(byNodeId);
      for (let k = 0; k < merged.length && k < want; k++) out.push(merged[k]!);
    }
    return out;
  }

  /** Rejected verdicts in the order the nodes came, as the flat scan lists them. */
  private appendRejected(job: PlacementJob, shape: ShapeEntry, limit: number, out: Verdict[]) {
    let added = 0;
    for (const slot of this.order) {
      if (added >= limit) break;
      const cls = slot.cls;
      const outcome = shape.outcomes[cls.index]!;
      if (outcome.code !== FEASIBLE_CODE) {
        out.push({ ...outcome.verdict, nodeId: slot.node.nodeId });
        added++;
        continue;
      }
      const code = cls.outcome(slot.index, job.cpuCores, job.memoryGb, job.gpuCount, job.diskGb);
      if (code === FITS_CODE) continue;
      // Few, and only when few nodes fit: the node's own verdict, with its free capacity.
      out.push(judgeNode(job, slot.node, this.transfer));
      added++;
    }
  }
}

function byNodeId(a: Slot, b: Slot): number {
  return a.node.nodeId < b.node.nodeId ? -1 : a.node.nodeId > b.node.nodeId ? 1 : 0;
}

function feasibleVerdict(slot: Slot, shape: ShapeEntry): Verdict {
  return {
    nodeId: slot.node.nodeId,
    reason: 'FEASIBLE',
    detail: '',
    cost: shape.outcomes[slot.cls.index]!.verdict.cost,
    retryable: false,
  };
}
