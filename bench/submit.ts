/**
 * End-to-end submits per second over gRPC, from the submit to a durably stored assignment:
 * a real scheduler in a child process (SQLite, synchronous=FULL) with fake workers whose
 * nodes have room, loaded by unary SubmitJob calls with many in flight and by SubmitJobs
 * batches. Beside each figure, its floors from the same run: a bare grpc-js echo server
 * sent the same bytes at the same concurrency, and the store's batched-insert rate.
 */
import { specText } from '../src/scheduler/job-codec.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobState, SubmitJobRequest, SubmitJobsRequest } from '../src/api/gen/tgp/v1/tgp.js';
import { SchedulerApi } from '../src/api/client.js';
import { emptyBatch } from '../src/store/store.js';
import { SqliteStore } from '../src/store/sqlite.js';
import {
  benchSpec,
  closedLoop,
  EchoClient,
  FakeWorkers,
  roomyNodes,
  spawnChild,
  type Child,
  type LoadFigure,
} from './grpc-load.js';

export interface StoreFloor {
  /** Jobs per second committed in batches of `batchJobs`, each with two events. */
  jobsPerS: number;
  batchJobs: number;
  commitsPerS: number;
}

/** The store alone: what the scheduler writes per submitted and placed job, batched. */
export async function storeFloor(batchJobs: number, seconds: number): Promise<StoreFloor> {
  const dir = mkdtempSync(join(tmpdir(), 'tgp-bench-store-'));
  const store = new SqliteStore(dir);
  let seq = 0;
  let commits = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    const batch = emptyBatch();
    for (let i = 0; i < batchJobs; i++) {
      const s = ++seq;
      const spec = benchSpec(`floor-${s}`);
      batch.jobs.push({
        jobId: spec.jobId,
        seq: s,
        state: 'SCHEDULED',
        spec: specText(spec),
        record: storedLike(s),
      });
      for (const type of ['SUBMITTED', 'SCHEDULED']) {
        batch.events.push({
          seq: 2 * s + (type === 'SCHEDULED' ? 1 : 0),
          jobId: spec.jobId,
          atMs: Date.now(),
          type,
          message: '4/4 nodes available; chose bench-node-0 at $0.0000017',
          attempt: 1,
          state: type === 'SUBMITTED' ? 'PENDING' : 'SCHEDULED',
          nodeId: 'bench-node-0',
        });
      }
    }
    await store.commit(batch);
    commits++;
  }
  const elapsed = (performance.now() - start) / 1000;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { jobsPerS: seq / elapsed, batchJobs, commitsPerS: commits / elapsed };
}

/** A record the size of what the scheduler stores for a placed job. */
function storedLike(seq: number): unknown {
  return {
    v: 1,
    seq,
    state: 'SCHEDULED',
    nodeId: 'bench-node-0',
    attempt: 1,
    reason: '4/4 nodes available; chose bench-node-0 at $0.0000017',
    scheduledAtMs: Date.now(),
    submittedAtMs: Date.now(),
  };
}

export interface SubmitResult {
  nodes: number;
  storeFloor: { batch1000: StoreFloor; batch64: StoreFloor };
  unary: { concurrency: number; scheduler: LoadFigure; echo: LoadFigure; ratio: number }[];
  batch: {
    jobsPerRequest: number;
    concurrency: number;
    scheduler: LoadFigure & { jobsPerS: number };
    echo: LoadFigure & { jobsPerS: number };
    ratio: number;
  };
  /** Replies whose job was SCHEDULED (placed, assignment durable) out of all replies. */
  scheduledReplies: number;
  replies: number;
  assignmentsReceived: number;
}

export interface SubmitOptions {
  seconds: number;
  concurrencies: number[];
  batchJobs: number;
  batchConcurrency: number;
  nodes: number;
}

export async function startBenchScheduler(dir: string): Promise<Child> {
  return spawnChild('child-scheduler.ts', [dir], join(dir, 'scheduler.log'));
}

export async function runSubmitBench(o: SubmitOptions): Promise<SubmitResult> {
  const batch1000 = await storeFloor(1000, 2);
  const batch64 = await storeFloor(64, 2);

  const echoChild = await spawnChild('child-echo.ts', []);
  const echo = new EchoClient(`127.0.0.1:${echoChild.ready.port}`);
  const dir = mkdtempSync(join(tmpdir(), 'tgp-bench-submit-'));
  const sched = await startBenchScheduler(dir);
  const address = `127.0.0.1:${sched.ready.port}`;
  const workers = new FakeWorkers(address);
  await workers.start(roomyNodes(o.nodes));
  const api = new SchedulerApi(address);

  let replies = 0;
  let scheduled = 0;
  const count = (state: JobState | undefined): void => {
    replies++;
    if (state === JobState.SCHEDULED) scheduled++;
  };

  try {
    const unary: SubmitResult['unary'] = [];
    const oneSpec = Buffer.from(SubmitJobRequest.encode({ spec: benchSpec('x') }).finish());
    for (const c of o.concurrencies) {
      const echoFig = await closedLoop(c, o.seconds, () => echo.call(oneSpec));
      const tag = `u${c}`;
      const fig = await closedLoop(c, o.seconds, async (i) => {
        const res = await api.submitJob({ spec: benchSpec(`${tag}-${i}`) });
        count(res.job?.state);
      });
      unary.push({
        concurrency: c,
        scheduler: fig,
        echo: echoFig,
        ratio: fig.callsPerS / echoFig.callsPerS,
      });
    }

    const specs = (tag: string): ReturnType<typeof benchSpec>[] =>
      Array.from({ length: o.batchJobs }, (_, k) => benchSpec(`${tag}-${k}`));
    const batchBytes = Buffer.from(SubmitJobsRequest.encode({ specs: specs('x') }).finish());
    const echoBatch = await closedLoop(o.batchConcurrency, o.seconds, () => echo.call(batchBytes));
    const schedBatch = await closedLoop(o.batchConcurrency, o.seconds, async (i) => {
      const res = await api.submitJobs({ specs: specs(`b${i}`) });
      for (const r of res.results) count(r.job?.state);
    });
    const perS = (f: LoadFigure) => ({ ...f, jobsPerS: f.callsPerS * o.batchJobs });
    return {
      nodes: o.nodes,
      storeFloor: { batch1000, batch64 },
      unary,
      batch: {
        jobsPerRequest: o.batchJobs,
        concurrency: o.batchConcurrency,
        scheduler: perS(schedBatch),
        echo: perS(echoBatch),
        ratio: schedBatch.callsPerS / echoBatch.callsPerS,
      },
      scheduledReplies: scheduled,
      replies,
      assignmentsReceived: workers.assignments,
    };
  } finally {
    api.close();
    workers.stop();
    echo.close();
    await echoChild.kill();
    await sched.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
