/**
 * Memory and recovery with a long queue: a scheduler child with no nodes (so every job
 * stays PENDING) is filled with `jobs` jobs through SubmitJobs, its resident size read from
 * /proc, then it is killed with SIGKILL and started again on the same data directory, and
 * timed until it serves: until a GetJob of the last job answers, with every job reloaded.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchedulerApi } from '../src/api/client.js';
import { JobState } from '../src/api/gen/tgp/v1/tgp.js';
import { benchSpec, rssBytes } from './grpc-load.js';
import { startBenchScheduler } from './submit.js';

export interface MemoryResult {
  jobsWanted: number;
  /** Jobs acknowledged before the fill's time limit. */
  jobsQueued: number;
  fillSeconds: number;
  fillJobsPerS: number;
  /** Resident size 1 s after the last submit was acknowledged, MB. */
  rssMb: number;
  /** Resident size after `settleS` seconds more with nothing to do, MB. */
  rssSettledMb: number;
  settleS: number;
  /** Resident size with no jobs, same process kind, for scale. */
  rssEmptyMb: number;
  /** From spawning the restarted process until GetJob of the last job answered. */
  reloadMs: number;
  /** The part of it inside the process: store load and recovery, until it listened. */
  reloadInProcessMs: number;
  /** PENDING jobs the restarted scheduler reports. */
  pendingAfterReload: number;
  /** Database file size, MB. */
  dbMb: number;
}

const read = (p: string): string => readFileSync(p, 'utf8');

export async function runMemoryBench(jobs: number, fillLimitS: number): Promise<MemoryResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tgp-bench-memory-'));
  let child = await startBenchScheduler(dir);
  try {
    const rssEmptyMb = rssBytes(child.process.pid!, read) / 1e6;
    let api = new SchedulerApi(`127.0.0.1:${child.ready.port}`, 120_000);
    const batch = 1000;
    let queued = 0;
    const start = performance.now();
    const lanes = Array.from({ length: 2 }, async (_, lane) => {
      for (let b = lane; b * batch < jobs; b += 2) {
        if (performance.now() - start > fillLimitS * 1000) return;
        const specs = Array.from({ length: Math.min(batch, jobs - b * batch) }, (_, k) =>
          benchSpec(`mem-${b * batch + k}`),
        );
        const res = await api.submitJobs({ specs });
        queued += res.results.filter((r) => r.job?.state === JobState.PENDING).length;
      }
    });
    await Promise.all(lanes);
    const fillSeconds = (performance.now() - start) / 1000;
    // Let the last commits and any placement pass settle before reading the size.
    await new Promise((r) => setTimeout(r, 1000));
    const rssMb = rssBytes(child.process.pid!, read) / 1e6;
    // V8 gives back the garbage of the fill only after the process has been idle a while.
    const settleS = 15;
    await new Promise((r) => setTimeout(r, settleS * 1000));
    const rssSettledMb = rssBytes(child.process.pid!, read) / 1e6;
    api.close();

    await child.kill('SIGKILL');
    const lastId = `bench-mem-${queued - 1}`;
    const t0 = performance.now();
    child = await startBenchScheduler(dir);
    api = new SchedulerApi(`127.0.0.1:${child.ready.port}`, 120_000);
    const last = await api.getJob({ jobId: lastId, includeEvents: false });
    const reloadMs = performance.now() - t0;
    const status = await api.clusterStatus();
    api.close();
    const dbMb =
      ['tgp.db', 'tgp.db-wal']
        .map((f) => join(dir, f))
        .filter((f) => existsSync(f))
        .reduce((sum, f) => sum + statSync(f).size, 0) / 1e6;
    return {
      jobsWanted: jobs,
      jobsQueued: queued,
      fillSeconds,
      fillJobsPerS: queued / fillSeconds,
      rssMb,
      rssSettledMb,
      settleS,
      rssEmptyMb,
      reloadMs,
      reloadInProcessMs: child.ready.startMs ?? NaN,
      pendingAfterReload: last.state === JobState.PENDING ? (status.jobsByState.PENDING ?? 0) : 0,
      dbMb,
    };
  } finally {
    await child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
