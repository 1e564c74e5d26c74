/**
 * The embedded store: one SQLite file in WAL mode under the data directory. Each commit is
 * one transaction with synchronous=FULL, so an acknowledged change survives kill -9 and
 * power loss alike.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Snapshot, Store, StoredEvent, StoredLogChunk, WriteBatch } from './store.js';

/** Version of the schema below, in PRAGMA user_version. */
const SCHEMA_VERSION = 1;

/**
 * Jobs are keyed by seq, the rowid, so that loading them in arrival order is a plain scan
 * of the table (a million rows in well under a second) rather than a sort.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  type TEXT NOT NULL,
  message TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  state TEXT NOT NULL,
  node_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_job ON events (job_id, seq);
CREATE TABLE IF NOT EXISTS nodes (
  node_id TEXT PRIMARY KEY,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS logs (
  job_id TEXT NOT NULL,
  byte_offset INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  stream TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (job_id, byte_offset)
);
`;

interface EventRow {
  seq: number;
  job_id: string;
  at_ms: number;
  type: string;
  message: string;
  attempt: number;
  state: string;
  node_id: string;
}

interface LogRow {
  job_id: string;
  byte_offset: number;
  attempt: number;
  stream: string;
  data: Buffer;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly commitTx: (batch: WriteBatch) => void;

  /** Opens (creating if need be) `tgp.db` in `dataDir`; ':memory:' for a throwaway store. */
  constructor(dataDir: string) {
    let file = ':memory:';
    if (dataDir !== ':memory:') {
      mkdirSync(dataDir, { recursive: true });
      file = join(dataDir, 'tgp.db');
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.migrate();
    this.db.exec(SCHEMA);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);

    const upsertJob = this.db.prepare(
      `INSERT INTO jobs (job_id, seq, state, record) VALUES (?, ?, ?, ?)
       ON CONFLICT (seq) DO UPDATE SET state = excluded.state, record = excluded.record`,
    );
    const insertEvent = this.db.prepare(
      `INSERT INTO events (seq, job_id, at_ms, type, message, attempt, state, node_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const upsertNode = this.db.prepare(
      `INSERT INTO nodes (node_id, record) VALUES (?, ?)
       ON CONFLICT (node_id) DO UPDATE SET record = excluded.record`,
    );
    const insertLog = this.db.prepare(
      `INSERT OR REPLACE INTO logs (job_id, byte_offset, attempt, stream, data)
       VALUES (?, ?, ?, ?, ?)`,
    );
    const trimLogs = this.db.prepare(
      `DELETE FROM logs WHERE job_id = ? AND byte_offset + length(data) <= ?`,
    );

    this.commitTx = this.db.transaction((batch: WriteBatch) => {
      for (const j of batch.jobs) upsertJob.run(j.jobId, j.seq, j.state, JSON.stringify(j.record));
      for (const e of batch.events) {
        insertEvent.run(e.seq, e.jobId, e.atMs, e.type, e.message, e.attempt, e.state, e.nodeId);
      }
      for (const n of batch.nodes) upsertNode.run(n.nodeId, JSON.stringify(n.record));
      for (const l of batch.logs) insertLog.run(l.jobId, l.offset, l.attempt, l.stream, l.data);
      for (const t of batch.logTrims) trimLogs.run(t.jobId, t.belowOffset);
    });
  }

  /** Rebuilds a jobs table of the first schema (keyed by job_id) keyed by seq. */
  private migrate(): void {
    if (this.db.pragma('user_version', { simple: true }) !== 0) return;
    const columns = this.db.prepare<[], { name: string; pk: number }>(
      "SELECT name, pk FROM pragma_table_info('jobs')",
    );
    const keyedById = columns.all().some((c) => c.name === 'job_id' && c.pk === 1);
    if (!keyedById) return;
    this.db.transaction(() => {
      this.db.exec('ALTER TABLE jobs RENAME TO jobs_by_id');
      this.db.exec(SCHEMA);
      this.db.exec(
        `INSERT INTO jobs (seq, job_id, state, record)
         SELECT seq, job_id, state, record FROM jobs_by_id ORDER BY seq`,
      );
      this.db.exec('DROP TABLE jobs_by_id');
    })();
  }

  load(): Promise<Snapshot> {
    // Rows one at a time, each record parsed as it comes, so the raw text of a million
    // rows is never held at once.
    const jobs: Snapshot['jobs'] = [];
    const rows = this.db
      .prepare<[], [number, string, string, string]>(
        'SELECT seq, job_id, state, record FROM jobs ORDER BY seq',
      )
      .raw()
      .iterate();
    for (const [seq, jobId, state, record] of rows) {
      jobs.push({ jobId, seq, state, record: JSON.parse(record) as unknown });
    }
    const nodes = this.db
      .prepare<[], { node_id: string; record: string }>('SELECT node_id, record FROM nodes')
      .all()
      .map((r) => ({ nodeId: r.node_id, record: JSON.parse(r.record) as unknown }));
    const maxEvent = this.db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM events');
    const maxJob = this.db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM jobs');
    return Promise.resolve({
      jobs,
      nodes,
      lastEventSeq: maxEvent.get()?.m ?? 0,
      lastJobSeq: maxJob.get()?.m ?? 0,
    });
  }

  commit(batch: WriteBatch): Promise<void> {
    try {
      this.commitTx(batch);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  events(jobId: string, afterSeq: number): Promise<StoredEvent[]> {
    const rows = this.db
      .prepare<[string, number], EventRow>(
        'SELECT * FROM events WHERE job_id = ? AND seq > ? ORDER BY seq',
      )
      .all(jobId, afterSeq);
    return Promise.resolve(
      rows.map((r) => ({
        seq: r.seq,
        jobId: r.job_id,
        atMs: r.at_ms,
        type: r.type,
        message: r.message,
        attempt: r.attempt,
        state: r.state,
        nodeId: r.node_id,
      })),
    );
  }

  logs(jobId: string, fromOffset: number): Promise<StoredLogChunk[]> {
    const rows = this.db
      .prepare<[string, number], LogRow>(
        'SELECT * FROM logs WHERE job_id = ? AND byte_offset >= ? ORDER BY byte_offset',
      )
      .all(jobId, fromOffset);
    return Promise.resolve(
      rows.map((r) => ({
        jobId: r.job_id,
        attempt: r.attempt,
        stream: r.stream,
        offset: r.byte_offset,
        data: r.data,
      })),
    );
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
