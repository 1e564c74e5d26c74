/**
 * Prices and bandwidths for moving data between locations, used by the C_data term and by
 * the transfer-time part of the latency estimate.
 */

/** One directed link between two locations. */
export interface TransferLink {
  /** USD per GB moved. */
  pricePerGbUsd: number;
  /** Sustained throughput, gigabits per second. */
  bandwidthGbps: number;
}

/** The operator's table, as written in the config file: keys are "from->to" or "*". */
export interface TransferConfig {
  /** Applies between any two different locations without an entry of their own. */
  default: TransferLink;
  /** Applies inside one location. */
  sameLocation: TransferLink;
  /** "eu-1->us-east" style keys; an entry also serves the reverse direction unless it has one. */
  links: Record<string, TransferLink>;
}

export const DEFAULT_TRANSFER: TransferConfig = {
  default: { pricePerGbUsd: 0.09, bandwidthGbps: 1 },
  sameLocation: { pricePerGbUsd: 0, bandwidthGbps: 10 },
  links: {},
};

/** Looks up links; frozen after construction. */
export class TransferPrices {
  private readonly table = new Map<string, TransferLink>();

  constructor(readonly config: TransferConfig = DEFAULT_TRANSFER) {
    for (const [key, link] of Object.entries(config.links)) {
      const [from, to] = key.split('->');
      if (from === undefined || to === undefined) continue;
      this.table.set(`${from}->${to}`, link);
      const reverse = `${to}->${from}`;
      if (!(reverse in config.links)) this.table.set(reverse, link);
    }
  }

  /** The link used to move data from `from` to `to`; `from` empty means nothing moves. */
  link(from: string, to: string): TransferLink {
    if (from === to) return this.config.sameLocation;
    return this.table.get(`${from}->${to}`) ?? this.config.default;
  }
}
