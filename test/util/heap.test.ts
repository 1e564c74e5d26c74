/** The binary heap against a sort: the same order out, through pushes, pops and replaces. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Heap } from '../../src/util/heap.js';
import { mulberry32 } from '../helpers/random.js';

test('heap gives items out in the order a sort gives them', () => {
  const next = mulberry32(11);
  const heap = new Heap<number>((a, b) => a < b);
  const reference: number[] = [];
  for (let step = 0; step < 5000; step++) {
    const roll = next();
    if (roll < 0.5 || reference.length === 0) {
      const v = Math.floor(next() * 1000);
      heap.push(v);
      reference.push(v);
    } else if (roll < 0.8) {
      reference.sort((a, b) => a - b);
      assert.equal(heap.pop(), reference.shift());
    } else {
      const v = Math.floor(next() * 1000);
      reference.sort((a, b) => a - b);
      reference[0] = v;
      heap.replaceTop(v);
    }
    assert.equal(heap.size, reference.length);
    assert.equal(heap.peek(), reference.length > 0 ? Math.min(...reference) : undefined);
  }
});
