/**
 * The placement policies the simulator compares. All of them run the same placement
 * pipeline (every filter, Formula 4.1 pricing, budget and latency checks) and differ only
 * in which feasible node they select:
 * - tgp: the cheapest feasible node (the pipeline's own choice); waiting jobs are placed
 *   as a batch (src/placement/batch.ts).
 * - tgp-greedy: the cheapest feasible node, waiting jobs one at a time in queue order.
 * - round-robin: the next feasible node after the one chosen last, in node order.
 * - spread: the feasible node least allocated after placement (mean share over resources).
 * - bin-pack: the feasible node most allocated after placement.
 * - first-fit: the first feasible node in node order.
 */
import type { TransferPrices } from '../cost/transfer.js';
import { place } from '../placement/pipeline.js';
import type { PlacementJob, PlacementNode, Verdict } from '../placement/types.js';

export const POLICIES = [
  'tgp',
  'tgp-greedy',
  'round-robin',
  'spread',
  'bin-pack',
  'first-fit',
] as const;

export type PolicyName = (typeof POLICIES)[number];

/** Whether `name` is a policy the simulator knows. */
export function isPolicy(name: string): name is PolicyName {
  return (POLICIES as readonly string[]).includes(name);
}

/** A policy's decision for one job over some nodes. */
export interface Choice {
  chosen: Verdict | undefined;
  /** No node could ever take the job (the pipeline's neverFits). */
  neverFits: boolean;
  /** Some node refused the job for its budget. */
  overBudget: boolean;
}

/** Selects among the pipeline's feasible verdicts; keeps the round-robin position. */
export class Selector {
  private nextIndex = 0;

  /** `order` gives each node's position in the cluster, which orders ties and turns. */
  constructor(
    readonly policy: PolicyName,
    private readonly byId: ReadonlyMap<string, { node: PlacementNode; index: number }>,
  ) {}

  choose(job: PlacementJob, nodes: readonly PlacementNode[], transfer: TransferPrices): Choice {
    const decision = place(job, nodes, transfer);
    const overBudget = decision.verdicts.some((v) => v.reason === 'OVER_BUDGET');
    const choice = (chosen: Verdict | undefined): Choice => ({
      chosen,
      neverFits: decision.neverFits,
      overBudget,
    });
    if (this.policy === 'tgp' || this.policy === 'tgp-greedy' || !decision.chosen) {
      return choice(decision.chosen);
    }

    const feasible = decision.verdicts.filter((v) => v.reason === 'FEASIBLE');
    const indexOf = (v: Verdict): number => this.byId.get(v.nodeId)?.index ?? 0;
    let chosen: Verdict | undefined;
    if (this.policy === 'first-fit') {
      chosen = minBy(feasible, indexOf);
    } else if (this.policy === 'round-robin') {
      const total = this.byId.size;
      chosen = minBy(feasible, (v) => (indexOf(v) - this.nextIndex + total) % total);
      if (chosen) this.nextIndex = (indexOf(chosen) + 1) % total;
    } else {
      const sign = this.policy === 'spread' ? 1 : -1;
      const score = (v: Verdict): number => {
        const node = this.byId.get(v.nodeId)?.node;
        return node ? sign * allocatedAfter(job, node) : 0;
      };
      chosen = minBy(feasible, (v) => score(v) + indexOf(v) * 1e-12);
    }
    return choice(chosen);
  }
}

/** Mean share of the node's resources in use once `job` is on it (resources it has). */
export function allocatedAfter(job: PlacementJob, node: PlacementNode): number {
  let sum = 0;
  let dims = 0;
  for (const r of ['cpuCores', 'memoryGb', 'gpuCount', 'diskGb'] as const) {
    if (node[r] <= 0) continue;
    sum += (node[r] - node.free[r] + job[r]) / node[r];
    dims++;
  }
  return dims === 0 ? 0 : sum / dims;
}

function minBy<T>(items: readonly T[], key: (item: T) => number): T | undefined {
  let best: T | undefined;
  let bestKey = Infinity;
  for (const item of items) {
    const k = key(item);
    if (k < bestKey) {
      best = item;
      bestKey = k;
    }
  }
  return best;
}
