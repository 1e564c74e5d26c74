/**
 * The storage contract. The scheduler keeps its working state in memory and makes every
 * change durable through `commit`, one atomic batch at a time, before it acknowledges the
 * change or acts on it (sends an assignment). Reads of bulky history (events, output) go to
 * the store. SQLite implements it (store/sqlite.ts); a PostgreSQL backend serving several
 * scheduler replicas implements the same methods, fencing each commit by the leader epoch.
 */

/** A job as stored: its spec and every field of its lifecycle. */
export interface StoredJob {
  jobId: string;
  /** Arrival order, unique and increasing; ties in priority are broken by it. */
  seq: number;
  /** Duplicated out of the record for indexed listing. */
  state: string;
  /**
   * The spec as JSON text without its id (scheduler/job-codec.ts writes and reads it),
   * kept verbatim: jobs submitted alike share one text, and a restart groups a long queue by
   * it without parsing each.
   */
  spec: string;
  /** JSON-safe lifecycle record without the spec (see scheduler/job-codec.ts). */
  record: unknown;
}

export interface StoredEvent {
  seq: number;
  jobId: string;
  atMs: number;
  type: string;
  message: string;
  attempt: number;
  state: string;
  nodeId: string;
}

export interface StoredNode {
  nodeId: string;
  /** JSON-safe registration (see scheduler/node-registry.ts). */
  record: unknown;
}

export interface StoredLogChunk {
  jobId: string;
  attempt: number;
  stream: string;
  /** Byte offset of this chunk in the job's whole output, from 0. */
  offset: number;
  data: Buffer;
}

/** One atomic change: all of it becomes durable, or none. */
export interface WriteBatch {
  jobs: StoredJob[];
  events: StoredEvent[];
  nodes: StoredNode[];
  logs: StoredLogChunk[];
  /**
   * Output chunks of a job that end at or below this offset are dropped (the log cap keeps
   * the tail); a chunk that straddles it is kept whole, and readers skip its early bytes.
   */
  logTrims: { jobId: string; belowOffset: number }[];
}

export interface Snapshot {
  /**
   * Every job in seq order, a page at a time, so a million of them are never held at once;
   * read it once, before anything else is asked of the store.
   */
  jobs: AsyncIterable<StoredJob[]>;
  nodes: StoredNode[];
  lastEventSeq: number;
  lastJobSeq: number;
}

export interface Store {
  /** Everything needed to rebuild the scheduler's memory after a restart. */
  load(): Promise<Snapshot>;
  commit(batch: WriteBatch): Promise<void>;
  /** A job's events with seq above `afterSeq`, oldest first. */
  events(jobId: string, afterSeq: number): Promise<StoredEvent[]>;
  /** A job's output chunks at or past `fromOffset`, in order. */
  logs(jobId: string, fromOffset: number): Promise<StoredLogChunk[]>;
  close(): Promise<void>;
}

export function emptyBatch(): WriteBatch {
  return { jobs: [], events: [], nodes: [], logs: [], logTrims: [] };
}

/** Every job of a snapshot, in one array (tests and small stores). */
export async function allJobs(snapshot: Snapshot): Promise<StoredJob[]> {
  const out: StoredJob[] = [];
  for await (const page of snapshot.jobs) out.push(...page);
  return out;
}
