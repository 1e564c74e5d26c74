/**
 * A small seeded PRNG for property tests, so that a failing case can be replayed from its
 * seed. mulberry32: 32 bits of state, good enough spread for picking test inputs.
 */

import { mulberry32 } from '../../src/sim/random.js';

export { mulberry32 };

/** Helpers over one generator. */
export interface Random {
  /** Uniform in [min, max). */
  real(min: number, max: number): number;
  /** Uniform integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/** A `Random` seeded with `seed`. */
export function seeded(seed: number): Random {
  const next = mulberry32(seed);
  return {
    real: (min, max) => min + next() * (max - min),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick<T>(items: readonly T[]): T {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick needs a non-empty list');
      return item;
    },
    chance: (p) => next() < p,
  };
}
