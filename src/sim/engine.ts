/**
 * The simulator: replays a workload against a cluster in virtual time through the
 * scheduler's own parts: its ShapeQueue (priority, then arrival, grouped by shape), the
 * placement pipeline, batch placement and Formula 4.1. It follows the scheduler's rules: a
 * job that arrives to an idle queue takes the fast path and is placed at once; otherwise it
 * queues, and a placement pass runs once the events of that instant are processed. For TGP
 * a pass first places the waiting jobs of the top priority as a batch, then offers what is
 * left one at a time, as the scheduler's pass after a batch does. A job no node could ever
 * take is refused at arrival, as submit refuses it.
 *
 * A pass offers a job only the nodes that gained room since it was last offered capacity
 * (a node that only lost room since cannot have become feasible), which gives the same
 * choices as judging every node, for a fraction of the work.
 */
import type { Cost } from '../cost/formula.js';
import type { TransferPrices } from '../cost/transfer.js';
import {
  BATCH_DEFAULTS,
  loadBatchSolver,
  placeBatch,
  type BatchOptions,
  type BatchStats,
} from '../placement/batch.js';
import { shapeKey } from '../placement/engine.js';
import type { PlacementNode, ResourceAmounts, Verdict } from '../placement/types.js';
import { ShapeQueue } from '../scheduler/shape-queue.js';
import { freshNodes } from './cluster.js';
import { DepartureHeap } from './event-heap.js';
import { Selector, type PolicyName } from './policies.js';
import type { SimJob } from './types.js';

export interface SimulationInput {
  nodes: readonly PlacementNode[];
  jobs: readonly SimJob[];
  transfer: TransferPrices;
  policy: PolicyName;
  /** Static batch: every job is already waiting at t=0 and one pass places the backlog. */
  backlog: boolean;
  batch?: BatchOptions;
}

/** What became of one job. */
export type Fate = 'ran' | 'waiting' | 'over-budget' | 'unschedulable';

export interface JobOutcome {
  jobId: string;
  fate: Fate;
  arrivalS: number;
  /** Virtual start time; NaN when the job never started. */
  startS: number;
  nodeId: string;
  /** Formula 4.1 for the run, on the node it ran on. */
  cost: Cost | undefined;
  /** Arrival to start, plus the pipeline's start latency estimate, milliseconds. */
  latencyMs: number;
  sloMissed: boolean;
}

/** The cluster's state after the events of one instant. */
export interface TimePoint {
  tS: number;
  /** Formula 4.1 totals of the jobs started so far, USD. */
  costUsd: number;
  cpuShare: number;
  memoryShare: number;
  gpuShare: number;
}

export interface SimulationRun {
  policy: PolicyName;
  outcomes: JobOutcome[];
  timeline: TimePoint[];
  /** One entry per batch placement pass (tgp only). */
  batches: BatchStats[];
  /** Virtual time of the last event, seconds. */
  horizonS: number;
  capacity: ResourceAmounts;
  /** Allocated resource x seconds over the run. */
  allocatedSeconds: ResourceAmounts;
  wallMs: number;
}

interface Waiting {
  seq: number;
  index: number;
  /** Offered capacity in some pass already (so only nodes freed since are news to it). */
  tried: boolean;
}

const RESOURCES = ['cpuCores', 'memoryGb', 'gpuCount', 'diskGb'] as const;

/** Runs one policy over the workload. */
export async function simulate(input: SimulationInput): Promise<SimulationRun> {
  const started = performance.now();
  if (input.policy === 'tgp') await loadBatchSolver();
  const nodes = freshNodes(input.nodes);
  const byId = new Map(nodes.map((node, index) => [node.nodeId, { node, index }]));
  const selector = new Selector(input.policy, byId);
  const batchOptions = input.batch ?? BATCH_DEFAULTS;
  const jobs = input.jobs;
  const outcomes: JobOutcome[] = jobs.map((s) => ({
    jobId: s.job.jobId,
    fate: 'waiting',
    arrivalS: input.backlog ? 0 : s.arrivalS,
    startS: NaN,
    nodeId: '',
    cost: undefined,
    latencyMs: NaN,
    sloMissed: false,
  }));

  const shapes = jobs.map((sim) => shapeKey(sim.job));
  const queue = new ShapeQueue<Waiting>({
    seqOf: (w) => w.seq,
    priorityOf: (w) => jobs[w.index]!.priority,
    shapeOf: (w) => shapes[w.index]!,
  });
  /** Queue entries by job index, while the job waits. */
  const queued = new Map<number, Waiting>();
  const enqueue = (index: number): void => {
    const w = { seq: index, index, tried: false };
    queued.set(index, w);
    queue.add(w);
  };
  const dequeue = (index: number): void => {
    const w = queued.get(index);
    if (!w) return;
    queued.delete(index);
    queue.remove(w);
  };
  const departures = new DepartureHeap();
  const freed = new Set<PlacementNode>();
  const capacity = sum(nodes.map((n) => n));
  const allocated: ResourceAmounts = { cpuCores: 0, memoryGb: 0, gpuCount: 0, diskGb: 0 };
  const allocatedSeconds: ResourceAmounts = { cpuCores: 0, memoryGb: 0, gpuCount: 0, diskGb: 0 };
  const timeline: TimePoint[] = [];
  const batches: BatchStats[] = [];
  let costUsd = 0;
  let clockS = 0;
  let departureSeq = 0;

  const start = (index: number, verdict: Verdict): void => {
    const sim = jobs[index]!;
    const entry = byId.get(verdict.nodeId)!;
    for (const r of RESOURCES) {
      entry.node.free[r] -= sim.job[r];
      allocated[r] += sim.job[r];
    }
    const out = outcomes[index]!;
    out.fate = 'ran';
    out.startS = clockS;
    out.nodeId = verdict.nodeId;
    out.cost = verdict.cost;
    out.latencyMs = (clockS - out.arrivalS) * 1000 + (verdict.cost?.estimatedLatencyMs ?? 0);
    out.sloMissed = out.latencyMs > sim.job.maxLatencyMs;
    costUsd += verdict.cost?.totalCostUsd ?? 0;
    dequeue(index);
    departures.push({
      endS: clockS + sim.runtimeS,
      seq: departureSeq++,
      jobIndex: index,
      nodeIndex: entry.index,
    });
  };

  const refuse = (index: number, overBudget: boolean): void => {
    outcomes[index]!.fate = overBudget ? 'over-budget' : 'unschedulable';
    dequeue(index);
  };

  // A group whose head finds no node is passed over whole: its jobs would find none either.
  const greedyPass = (): void => {
    const news = [...freed];
    const pass = queue.pass();
    for (let w = pass.next(); w !== undefined; w = pass.next()) {
      const offer = w.tried ? news : nodes;
      if (offer.length === 0) continue;
      const choice = selector.choose(jobs[w.index]!.job, offer, input.transfer);
      if (choice.chosen) {
        start(w.index, choice.chosen);
        pass.placed();
      } else if (!w.tried && choice.neverFits) {
        refuse(w.index, choice.overBudget);
        pass.placed();
      }
      w.tried = true;
    }
  };

  /** The waiting jobs of the top priority as one batch, as the scheduler's startBatch. */
  const batchPass = (): void => {
    const head = queue.peek(queue.size);
    const top = jobs[head[0]!.index]!.priority;
    const waiting = head.filter((w) => jobs[w.index]!.priority === top);
    if (waiting.length < batchOptions.minJobs) return;
    const anyNew = waiting.some((w) => !w.tried);
    const offer = anyNew ? nodes : [...freed];
    if (offer.length === 0) return;
    const result = placeBatch(
      waiting.map((w) => jobs[w.index]!.job),
      offer,
      input.transfer,
      batchOptions,
    );
    batches.push(result.stats);
    const byJobId = new Map(waiting.map((w) => [jobs[w.index]!.job.jobId, w]));
    for (const p of result.placements) start(byJobId.get(p.jobId)!.index, p.verdict);
    for (const w of waiting) {
      if (!w.tried && queued.has(w.index)) {
        const choice = selector.choose(jobs[w.index]!.job, nodes, input.transfer);
        if (choice.neverFits) refuse(w.index, choice.overBudget);
      }
      w.tried = true;
    }
  };

  const pass = (): void => {
    if (input.policy === 'tgp' && queue.size >= batchOptions.minJobs) batchPass();
    if (queue.size > 0) greedyPass();
    freed.clear();
  };

  const advance = (toS: number): void => {
    const dt = toS - clockS;
    if (dt > 0) for (const r of RESOURCES) allocatedSeconds[r] += allocated[r] * dt;
    clockS = toS;
  };

  const record = (): void => {
    timeline.push({
      tS: clockS,
      costUsd,
      cpuShare: share(allocated.cpuCores, capacity.cpuCores),
      memoryShare: share(allocated.memoryGb, capacity.memoryGb),
      gpuShare: share(allocated.gpuCount, capacity.gpuCount),
    });
  };

  // Static batch: the whole workload waits at t=0 before the first pass.
  let nextArrival = 0;
  if (input.backlog) {
    jobs.forEach((_, index) => enqueue(index));
    nextArrival = jobs.length;
    pass();
    record();
  }

  while (nextArrival < jobs.length || departures.size > 0) {
    const arrivalS = jobs[nextArrival]?.arrivalS ?? Infinity;
    const departureS = departures.peek()?.endS ?? Infinity;
    advance(Math.min(arrivalS, departureS));
    let passWanted = false;

    // Departures first: capacity freed at an instant serves arrivals of that instant.
    while ((departures.peek()?.endS ?? Infinity) <= clockS) {
      const d = departures.pop()!;
      const node = nodes[d.nodeIndex]!;
      for (const r of RESOURCES) {
        node.free[r] += jobs[d.jobIndex]!.job[r];
        allocated[r] -= jobs[d.jobIndex]!.job[r];
      }
      freed.add(node);
      passWanted = true;
    }

    while (nextArrival < jobs.length && jobs[nextArrival]!.arrivalS <= clockS) {
      const index = nextArrival++;
      const sim = jobs[index]!;
      const choice = selector.choose(sim.job, nodes, input.transfer);
      if (choice.neverFits) {
        refuse(index, choice.overBudget);
      } else if (queue.size === 0 && choice.chosen) {
        start(index, choice.chosen);
      } else {
        enqueue(index);
        passWanted = true;
      }
    }

    if (passWanted) pass();
    else freed.clear();
    record();
  }

  return {
    policy: input.policy,
    outcomes,
    timeline,
    batches,
    horizonS: clockS,
    capacity,
    allocatedSeconds,
    wallMs: performance.now() - started,
  };
}

function sum(items: readonly ResourceAmounts[]): ResourceAmounts {
  const total: ResourceAmounts = { cpuCores: 0, memoryGb: 0, gpuCount: 0, diskGb: 0 };
  for (const item of items) for (const r of RESOURCES) total[r] += item[r];
  return total;
}

function share(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}
