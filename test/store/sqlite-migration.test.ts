/**
 * A data directory written by the first schema (jobs keyed by job_id) opens under the
 * current one (keyed by seq) with every job, in arrival order, and takes new commits.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite.js';
import { emptyBatch } from '../../src/store/store.js';

test('sqlite store migrates jobs of the first schema and loads them in seq order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tgp-migrate-'));
  try {
    const old = new Database(join(dir, 'tgp.db'));
    old.exec(`CREATE TABLE jobs (job_id TEXT PRIMARY KEY, seq INTEGER NOT NULL,
      state TEXT NOT NULL, record TEXT NOT NULL)`);
    const insert = old.prepare('INSERT INTO jobs VALUES (?, ?, ?, ?)');
    insert.run('b', 2, 'RUNNING', JSON.stringify({ spec: { jobId: 'b' } }));
    insert.run('a', 1, 'PENDING', JSON.stringify({ spec: { jobId: 'a' } }));
    old.close();

    const store = new SqliteStore(dir);
    const snap = await store.load();
    assert.deepEqual(
      snap.jobs.map((j) => [j.jobId, j.seq, j.state]),
      [
        ['a', 1, 'PENDING'],
        ['b', 2, 'RUNNING'],
      ],
    );
    assert.equal(snap.lastJobSeq, 2);
    await store.commit({
      ...emptyBatch(),
      jobs: [{ jobId: 'a', seq: 1, state: 'SCHEDULED', record: { spec: { jobId: 'a' } } }],
    });
    await store.close();

    const again = new SqliteStore(dir);
    const after = await again.load();
    assert.deepEqual(
      after.jobs.map((j) => [j.jobId, j.state]),
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
