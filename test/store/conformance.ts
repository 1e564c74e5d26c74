/**
 * The storage contract's conformance suite. Every backend (SQLite today, PostgreSQL next)
 * runs these same tests through `storeConformance(name, open)`, where `open(dir)` opens a
 * store on the state in `dir`, so that reopening shows what survived.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { allJobs, emptyBatch, type Store, type WriteBatch } from '../../src/store/store.js';

export type OpenStore = (dir: string) => Promise<Store> | Store;

function batch(parts: Partial<WriteBatch>): WriteBatch {
  return { ...emptyBatch(), ...parts };
}

function event(seq: number, jobId: string, type = 'SUBMITTED') {
  return {
    seq,
    jobId,
    atMs: 1000 + seq,
    type,
    message: `m${seq}`,
    attempt: 0,
    state: 'PENDING',
    nodeId: '',
  };
}

export function storeConformance(name: string, open: OpenStore): void {
  describe(`${name} store`, () => {
    const dirs: string[] = [];
    const fresh = (): string => {
      const dir = mkdtempSync(join(tmpdir(), 'tgp-store-'));
      dirs.push(dir);
      return dir;
    };
    after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

    test(`${name} store loads an empty snapshot when new`, async () => {
      const store = await open(fresh());
      const snap = await store.load();
      assert.deepEqual(await allJobs(snap), []);
      assert.deepEqual(snap.nodes, []);
      assert.equal(snap.lastEventSeq, 0);
      assert.equal(snap.lastJobSeq, 0);
      await store.close();
    });

    test(`${name} store keeps committed jobs, events and nodes across a reopen`, async () => {
      const dir = fresh();
      const store = await open(dir);
      await store.commit(
        batch({
          jobs: [
            { jobId: 'a', seq: 1, state: 'PENDING', spec: '{}', record: { n: 1 } },
            { jobId: 'b', seq: 2, state: 'RUNNING', spec: '{"cpuCores":2}', record: { n: 2 } },
          ],
          events: [event(1, 'a'), event(2, 'b'), event(3, 'a', 'QUEUED')],
          nodes: [{ nodeId: 'n1', record: { nodeId: 'n1', cpuCores: 2 } }],
        }),
      );
      await store.close();

      const again = await open(dir);
      const snap = await again.load();
      assert.deepEqual(
        (await allJobs(snap)).map((j) => [j.jobId, j.seq, j.state, j.spec, j.record]),
        [
          ['a', 1, 'PENDING', '{}', { n: 1 }],
          ['b', 2, 'RUNNING', '{"cpuCores":2}', { n: 2 }],
        ],
      );
      assert.deepEqual(snap.nodes, [{ nodeId: 'n1', record: { nodeId: 'n1', cpuCores: 2 } }]);
      assert.equal(snap.lastEventSeq, 3);
      assert.equal(snap.lastJobSeq, 2);
      const events = await again.events('a', 0);
      assert.deepEqual(
        events.map((e) => [e.seq, e.type]),
        [
          [1, 'SUBMITTED'],
          [3, 'QUEUED'],
        ],
      );
      assert.deepEqual(
        (await again.events('a', 1)).map((e) => e.seq),
        [3],
      );
      await again.close();
    });

    test(`${name} store replaces a job record on a later commit and keeps its seq`, async () => {
      const store = await open(fresh());
      await store.commit(
        batch({ jobs: [{ jobId: 'a', seq: 7, state: 'PENDING', spec: '{}', record: { v: 1 } }] }),
      );
      await store.commit(
        batch({ jobs: [{ jobId: 'a', seq: 7, state: 'SUCCEEDED', spec: '{}', record: { v: 2 } }] }),
      );
      const jobs = await allJobs(await store.load());
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0]?.state, 'SUCCEEDED');
      assert.deepEqual(jobs[0]?.record, { v: 2 });
      await store.close();
    });

    test(`${name} store loads jobs in arrival (seq) order`, async () => {
      const store = await open(fresh());
      const jobs = [5, 1, 9, 3].map((seq) => ({
        jobId: `j${seq}`,
        seq,
        state: 'PENDING',
        spec: '{}',
        record: { seq },
      }));
      await store.commit(batch({ jobs }));
      const snap = await store.load();
      assert.deepEqual(
        (await allJobs(snap)).map((j) => j.seq),
        [1, 3, 5, 9],
      );
      await store.close();
    });

    test(`${name} store commits a batch whole or not at all`, async () => {
      const store = await open(fresh());
      await store.commit(batch({ events: [event(1, 'a')] }));
      // The same event seq again violates the event key: nothing of this batch may land.
      await assert.rejects(
        store.commit(
          batch({
            jobs: [{ jobId: 'x', seq: 1, state: 'PENDING', spec: '{}', record: {} }],
            events: [event(1, 'x')],
          }),
        ),
      );
      const snap = await store.load();
      assert.deepEqual(await allJobs(snap), []);
      assert.equal(snap.lastEventSeq, 1);
      await store.close();
    });

    test(`${name} store returns output in offset order and trims below an offset`, async () => {
      const store = await open(fresh());
      const chunk = (offset: number, text: string) => ({
        jobId: 'a',
        attempt: 1,
        stream: 'stdout',
        offset,
        data: Buffer.from(text),
      });
      await store.commit(batch({ logs: [chunk(0, 'one '), chunk(4, 'two ')] }));
      await store.commit(batch({ logs: [chunk(8, 'three')] }));
      const all = await store.logs('a', 0);
      assert.equal(Buffer.concat(all.map((c) => c.data)).toString(), 'one two three');
      assert.deepEqual(
        (await store.logs('a', 5)).map((c) => c.offset),
        [8],
      );

      // A chunk that straddles the cut is kept whole; those that end at or below it go.
      await store.commit(batch({ logTrims: [{ jobId: 'a', belowOffset: 6 }] }));
      assert.deepEqual(
        (await store.logs('a', 0)).map((c) => c.offset),
        [4, 8],
      );
      await store.commit(batch({ logTrims: [{ jobId: 'a', belowOffset: 8 }] }));
      assert.deepEqual(
        (await store.logs('a', 0)).map((c) => c.offset),
        [8],
      );
      assert.deepEqual(await store.logs('other', 0), []);
      await store.close();
    });
  });
}
