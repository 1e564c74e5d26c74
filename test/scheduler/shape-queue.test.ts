/**
 * The shape-grouped pending queue against PendingQueue, whose order it must keep: a pass
 * that places every job (and a peek at the head) gives them in priority, then arrival
 * order, and a pass drops a shape at its first miss while the other shapes go on in order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingQueue } from '../../src/scheduler/queue.js';
import { ShapeQueue } from '../../src/scheduler/shape-queue.js';
import { seeded } from '../helpers/random.js';

interface Item {
  id: string;
  seq: number;
  shape: string;
  priority: number;
}

function queue(): ShapeQueue<Item> {
  return new ShapeQueue<Item>({
    seqOf: (i) => i.seq,
    priorityOf: (i) => i.priority,
    shapeOf: (i) => i.shape,
  });
}

function drain(q: ShapeQueue<Item>, blocked: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const pass = q.pass();
  for (let item = pass.next(); item; item = pass.next()) {
    if (blocked.has(item.shape)) continue;
    out.push(item.id);
    q.remove(item);
    pass.placed();
  }
  return out;
}

test('shape queue passes jobs in the order PendingQueue keeps them', () => {
  for (let seed = 1; seed <= 60; seed++) {
    const rng = seeded(seed);
    const shaped = queue();
    const waiting = new Set<Item>();
    const plain = new PendingQueue<Item>((i) => i.id);
    const items: Item[] = [];
    for (let step = 0; step < 300; step++) {
      const what = rng.int(0, 9);
      if (what < 6 || items.length === 0) {
        const priority = rng.pick([0, 0, 1, -1, 5]);
        const item = { id: `j${step}`, seq: step, shape: `s${rng.int(0, 4)}`, priority };
        items.push(item);
        waiting.add(item);
        shaped.add(item);
        plain.add(item, priority);
      } else if (what < 8) {
        const item = rng.pick(items);
        assert.equal(shaped.remove(item) !== undefined, waiting.delete(item), `seed ${seed}`);
        plain.remove(item.id);
      } else {
        // A run lost: the job comes back at its old place, maybe at another priority.
        const item = rng.pick(items);
        if (waiting.has(item)) continue;
        item.priority = rng.pick([0, 1]);
        waiting.add(item);
        shaped.add(item);
        plain.add(item, item.priority);
      }
    }
    assert.equal(shaped.size, plain.size, `seed ${seed}`);
    const want = [...plain.ordered()].map((i) => i.id);
    // peek gives the same order without taking anything out.
    assert.deepEqual(
      shaped.peek(25).map((i) => i.id),
      want.slice(0, 25),
      `seed ${seed}`,
    );
    assert.equal(shaped.size, plain.size, `seed ${seed}`);
    assert.deepEqual(drain(shaped), want, `seed ${seed}`);
    assert.equal(shaped.size, 0);
  }
});

test('shape queue pass drops a shape at its first miss and goes on with the others', () => {
  const q = queue();
  const add = (id: string, seq: number, shape: string, priority = 0): void =>
    q.add({ id, seq, shape, priority });
  add('a1', 1, 'big');
  add('b1', 2, 'small');
  add('a2', 3, 'big');
  add('b2', 4, 'small');
  add('c1', 5, 'gpu', 1);
  assert.deepEqual(drain(q, new Set(['big'])), ['c1', 'b1', 'b2']);
  assert.equal(q.size, 2);
  assert.equal(q.shapes, 1);
  assert.deepEqual(drain(q), ['a1', 'a2']);
});

test('shape queue pass sees a job put back ahead of its group while the pass runs', () => {
  const q = queue();
  const early = { id: 'early', seq: 1, shape: 's', priority: 0 };
  q.add({ id: 'x', seq: 2, shape: 's', priority: 0 });
  q.add({ id: 'y', seq: 3, shape: 't', priority: 0 });
  const pass = q.pass();
  q.add(early);
  assert.equal(pass.next()?.id, 'early');
});
