/**
 * Data directories written by earlier schemas (jobs keyed by job_id; keyed by seq with the
 * spec inside the record) open under the current one with every job, in arrival order,
 * each spec moved to its own column without the id, and take new commits.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite.js';
import { allJobs, emptyBatch } from '../../src/store/store.js';

test('sqlite store migrates jobs of the first schema and loads them in seq order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tgp-migrate-'));
  try {
    const old = new Database(join(dir, 'tgp.db'));
    old.exec(`CREATE TABLE jobs (job_id TEXT PRIMARY KEY, seq INTEGER NOT NULL,
      state TEXT NOT NULL, record TEXT NOT NULL)`);
    const insert = old.prepare('INSERT INTO jobs VALUES (?, ?, ?, ?)');
    insert.run('b', 2, 'RUNNING', JSON.stringify({ spec: { jobId: 'b', cpuCores: 2 }, n: 2 }));
    insert.run('a', 1, 'PENDING', JSON.stringify({ spec: { jobId: 'a' }, n: 1 }));
    old.close();

    const store = new SqliteStore(dir);
    const snap = await store.load();
    assert.deepEqual(
      (await allJobs(snap)).map((j) => [j.jobId, j.seq, j.state, j.spec, j.record]),
      [
        ['a', 1, 'PENDING', '{}', { n: 1 }],
        ['b', 2, 'RUNNING', '{"cpuCores":2}', { n: 2 }],
      ],
    );
    assert.equal(snap.lastJobSeq, 2);
    await store.commit({
      ...emptyBatch(),
      jobs: [{ jobId: 'a', seq: 1, state: 'SCHEDULED', spec: '{}', record: { n: 3 } }],
    });
    await store.close();

    const again = new SqliteStore(dir);
    const after = await again.load();
    assert.deepEqual(
      (await allJobs(after)).map((j) => [j.jobId, j.state]),
      [
        ['a', 'SCHEDULED'],
        ['b', 'RUNNING'],
      ],
    );
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite store moves each spec of the seq-keyed schema out of its record', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tgp-migrate-'));
  try {
    const old = new Database(join(dir, 'tgp.db'));
    old.exec(`CREATE TABLE jobs (seq INTEGER PRIMARY KEY, job_id TEXT NOT NULL UNIQUE,
      state TEXT NOT NULL, record TEXT NOT NULL)`);
    old.pragma('user_version = 1');
    const insert = old.prepare('INSERT INTO jobs VALUES (?, ?, ?, ?)');
    const waiting = { v: 1, spec: { jobId: 'w', memoryGb: 2 }, seq: 5, reason: 'no nodes' };
    insert.run(5, 'w', 'PENDING', JSON.stringify(waiting));
    old.close();

    const store = new SqliteStore(dir);
    const [job, ...rest] = await allJobs(await store.load());
    assert.equal(rest.length, 0);
    assert.deepEqual(job, {
      jobId: 'w',
      seq: 5,
      state: 'PENDING',
      spec: '{"memoryGb":2}',
      record: { v: 1, seq: 5, reason: 'no nodes' },
    });
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
