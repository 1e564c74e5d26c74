/**
 * The off-heap id table against a Map: random adds and removals through growth, rehashing
 * and arena compaction, and the ids it refuses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdTable } from '../../src/scheduler/id-table.js';
import { mulberry32 } from '../helpers/random.js';

test('id table finds what a Map finds through adds, removals and compaction', () => {
  const next = mulberry32(7);
  const table = new IdTable();
  const reference = new Map<string, number>();
  const freeSlots: number[] = [];
  let nextSlot = 0;
  let serial = 0;
  for (let step = 0; step < 60_000; step++) {
    if (reference.size > 0 && next() < 0.45) {
      // Remove a random known id (the Map's first few are the oldest).
      const skip = Math.floor(next() * Math.min(50, reference.size));
      const [id, slot] = [...reference.entries()][skip]!;
      table.remove(slot);
      reference.delete(id);
      freeSlots.push(slot);
    } else {
      const id = `job-${(serial++).toString(36)}-${'x'.repeat(Math.floor(next() * 40))}`;
      const slot = freeSlots.pop() ?? nextSlot++;
      table.set(id, slot);
      reference.set(id, slot);
    }
  }
  for (const [id, slot] of reference) {
    assert.equal(table.find(id), slot);
    assert.equal(table.idOf(slot), id);
  }
  assert.equal(table.find('job-never'), -1);
});

test('id table keeps ASCII ids of at most 255 characters only', () => {
  assert.equal(IdTable.fits('a-b_c.9'), true);
  assert.equal(IdTable.fits('x'.repeat(255)), true);
  assert.equal(IdTable.fits('x'.repeat(256)), false);
  assert.equal(IdTable.fits('café'), false);
  assert.equal(new IdTable().find('café'), -1);
});
