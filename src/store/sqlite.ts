/**
 * The embedded store: one SQLite file in WAL mode under the data directory. Each commit is
 * one transaction with synchronous=FULL, so an acknowledged change survives kill -9 and
 * power loss alike.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Snapshot,
  Store,
  StoredEvent,
  StoredJob,
  StoredLogChunk,
  WriteBatch,
} from './store.js';

/**
 * Version of the schema below, in PRAGMA user_version. 0: jobs keyed by job_id, the spec
 * inside the record; 1: keyed by seq; 2: the spec in a column of its own.
 */
const SCHEMA_VERSION = 2;

/** Jobs read per page of a snapshot. */
const LOAD_PAGE_ROWS = 10_000;

/**
 * Jobs are keyed by seq, the rowid, so that loading them in arrival order is a plain scan
 * of the table (a million rows in well under a second) rather than a sort.
 */
const JOBS_TABLE = `
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL,
  spec TEXT NOT NULL,
  record TEXT NOT NULL
);`;

const SCHEMA = `${JOBS_TABLE}
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
      `INSERT INTO jobs (job_id, seq, state, spec, record) VALUES (?, ?, ?, ?, ?)
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
      for (const j of batch.jobs) {
        upsertJob.run(j.jobId, j.seq, j.state, j.spec, JSON.stringify(j.record));
      }
      for (const e of batch.events) {
        insertEvent.run(e.seq, e.jobId, e.atMs, e.type, e.message, e.attempt, e.state, e.nodeId);
      }
      for (const n of batch.nodes) upsertNode.run(n.nodeId, JSON.stringify(n.record));
      for (const l of batch.logs) insertLog.run(l.jobId, l.offset, l.attempt, l.stream, l.data);
      for (const t of batch.logTrims) trimLogs.run(t.jobId, t.belowOffset);
    });
  }

  /**
   * Brings a file of an earlier schema to this one, in one transaction: the jobs table is
   * rebuilt keyed by seq with each spec moved out of its record into its own column, as
   * the text the scheduler writes (compact JSON without the id).
   */
  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    const columns = this.db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('jobs')")
      .all()
      .map((c) => c.name);
    if (version >= SCHEMA_VERSION || columns.length === 0 || columns.includes('spec')) return;
    this.db.transaction(() => {
      this.db.exec('ALTER TABLE jobs RENAME TO jobs_before');
      this.db.exec(JOBS_TABLE);
      const insert = this.db.prepare(
        'INSERT INTO jobs (seq, job_id, state, spec, record) VALUES (?, ?, ?, ?, ?)',
      );
      const page = this.db
        .prepare<[number, number], [number, string, string, string]>(
          'SELECT seq, job_id, state, record FROM jobs_before WHERE seq > ? ORDER BY seq LIMIT ?',
        )
        .raw();
      for (const rows of pagesBySeq(page)) {
        for (const [seq, jobId, state, text] of rows) {
          const record = JSON.parse(text) as Record<string, unknown>;
          const spec = { ...(record.spec as Record<string, unknown> | undefined) };
          delete spec.jobId;
          delete record.spec;
          insert.run(seq, jobId, state, JSON.stringify(spec), JSON.stringify(record));
        }
      }
      this.db.exec('DROP TABLE jobs_before');
    })();
  }

  load(): Promise<Snapshot> {
    const page = this.db
      .prepare<[number, number], [number, string, string, string, string]>(
        'SELECT seq, job_id, state, spec, record FROM jobs WHERE seq > ? ORDER BY seq LIMIT ?',
      )
      .raw();
    async function* jobs(): AsyncGenerator<StoredJob[]> {
      for (const rows of pagesBySeq(page)) {
        yield rows.map(([seq, jobId, state, spec, record]) => ({
          jobId,
          seq,
          state,
          spec,
          record: JSON.parse(record) as unknown,
        }));
        // The reader is synchronous; let other work in between pages.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const nodes = this.db
      .prepare<[], { node_id: string; record: string }>('SELECT node_id, record FROM nodes')
      .all()
      .map((r) => ({ nodeId: r.node_id, record: JSON.parse(r.record) as unknown }));
    const maxEvent = this.db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM events');
    const maxJob = this.db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM jobs');
    return Promise.resolve({
      jobs: jobs(),
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

/**
 * Rows of a `... WHERE seq > ? ORDER BY seq LIMIT ?` query, LOAD_PAGE_ROWS at a time, each
 * page a query of its own so that no cursor stays open while the caller works on a page.
 */
function* pagesBySeq<R extends [number, ...unknown[]]>(
  page: Database.Statement<[number, number], R>,
): Generator<R[]> {
  for (let after = Number.MIN_SAFE_INTEGER; ;) {
    const rows = page.all(after, LOAD_PAGE_ROWS);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]![0];
    yield rows;
  }
}
