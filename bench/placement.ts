/**
 * Placement decisions per second with no I/O: the engine against its floor, the flat scan
 * of pipeline.ts, over the same nodes in the same state and the same jobs.
 */
import { TransferPrices } from '../src/cost/transfer.js';
import { PlacementEngine } from '../src/placement/engine.js';
import { place } from '../src/placement/pipeline.js';
import type { PlacementJob, PlacementNode, ResourceAmounts } from '../src/placement/types.js';
import { makeCluster, makeJob, prng } from './cluster.js';

export interface RateFigure {
  decisionsPerS: number;
  decisions: number;
  seconds: number;
}

interface Placed {
  node: PlacementNode;
  demand: ResourceAmounts;
}

function take(node: PlacementNode, d: ResourceAmounts, sign: number): void {
  const f = node.free;
  node.free = {
    cpuCores: f.cpuCores - sign * d.cpuCores,
    memoryGb: f.memoryGb - sign * d.memoryGb,
    gpuCount: f.gpuCount - sign * d.gpuCount,
    diskGb: f.diskGb - sign * d.diskGb,
  };
}

/** Runs `decide` over `jobs` round and round for about `seconds`. */
function rate(
  jobs: PlacementJob[],
  seconds: number,
  decide: (j: PlacementJob) => void,
): RateFigure {
  let n = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  while (performance.now() < until) {
    for (let k = 0; k < 100; k++) decide(jobs[n++ % jobs.length]!);
  }
  const elapsedS = (performance.now() - start) / 1000;
  return { decisionsPerS: n / elapsedS, decisions: n, seconds: elapsedS };
}

/** A cluster of `count` nodes about 60% full, with holes left by jobs that ended. */
function busyCluster(count: number, transfer: TransferPrices) {
  const nodes = makeCluster(count, 7);
  const engine = new PlacementEngine(transfer, { verdictsKept: 20 });
  for (const n of nodes) engine.upsert(n);
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const next = prng(11);
  const totalCpu = nodes.reduce((s, n) => s + n.cpuCores, 0);
  const placed: Placed[] = [];
  let used = 0;
  for (let i = 0; used < totalCpu * 0.6 && i < count * 40; i++) {
    const job = makeJob(next, i);
    const chosen = engine.place(job).chosen;
    if (!chosen) continue;
    const node = byId.get(chosen.nodeId)!;
    take(node, job, 1);
    engine.update(node);
    placed.push({ node, demand: job });
    used += job.cpuCores;
  }
  // A fifth of the jobs end, at random, leaving holes all over the cluster.
  for (let i = placed.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [placed[i], placed[j]] = [placed[j]!, placed[i]!];
  }
  for (const p of placed.splice(0, Math.floor(placed.length / 5))) {
    take(p.node, p.demand, -1);
    engine.update(p.node);
  }
  return { nodes, engine, byId, placed };
}

export interface PlacementResult {
  nodes: number;
  classes: number;
  flatScan: RateFigure;
  engine: RateFigure;
  engineUniqueShapes: RateFigure;
  engineWithChurn: RateFigure;
  speedup: number;
  /** Decisions checked against the flat scan, and how many differed in the node chosen. */
  checked: number;
  mismatches: number;
}

export function runPlacementBench(count: number, seconds: number): PlacementResult {
  const transfer = new TransferPrices();
  const { nodes, engine, byId, placed } = busyCluster(count, transfer);
  const next = prng(23);
  const jobs = Array.from({ length: 4096 }, (_, i) => makeJob(next, 1_000_000 + i));
  // More shapes than the engine keeps, so none is found again.
  const unique = Array.from({ length: 20_000 }, (_, i) => makeJob(next, 2_000_000 + i, true));

  let mismatches = 0;
  const checked = Math.min(200, jobs.length);
  for (const job of jobs.slice(0, checked)) {
    const a = engine.place(job);
    const b = place(job, nodes, transfer);
    if (a.chosen?.nodeId !== b.chosen?.nodeId || a.summary !== b.summary) mismatches++;
  }

  const flatScan = rate(jobs, seconds, (j) => place(j, nodes, transfer));
  const fast = rate(jobs, seconds, (j) => engine.place(j));
  // Every job a shape of its own: the class outcomes are worked out each time.
  const cold = rate(unique, seconds, (j) => engine.place(j));
  // A live scheduler: each placement takes capacity, and an earlier job ends.
  let turn = 0;
  const churn = rate(jobs, seconds, (j) => {
    const chosen = engine.place(j).chosen;
    if (chosen) {
      const node = byId.get(chosen.nodeId)!;
      take(node, j, 1);
      engine.update(node);
      placed.push({ node, demand: j });
    }
    if (placed.length > 1) {
      const at = (turn++ * 7919) % placed.length;
      const ended = placed[at]!;
      placed[at] = placed[placed.length - 1]!;
      placed.pop();
      take(ended.node, ended.demand, -1);
      engine.update(ended.node);
    }
  });

  return {
    nodes: count,
    classes: engine.classCount,
    flatScan,
    engine: fast,
    engineUniqueShapes: cold,
    engineWithChurn: churn,
    speedup: fast.decisionsPerS / flatScan.decisionsPerS,
    checked,
    mismatches,
  };
}
