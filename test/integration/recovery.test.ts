/**
 * Crashes lose no accepted job: the scheduler is killed with SIGKILL while jobs are
 * pending and running, started again on the same data, and every acknowledged job is
 * still known, with its events, and reaches a terminal state.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { JobState, type JobEvent } from '../../src/api/gen/tgp/v1/tgp.js';
import { TestGrid, until } from '../helpers/grid.js';

describe('recovery', () => {
  const grids: TestGrid[] = [];
  after(() => Promise.all(grids.map((g) => g.stopAll())));

  test('scheduler killed with jobs pending and running loses none of them', async () => {
    const grid = new TestGrid({ heartbeatIntervalMs: 300, nodeLostAfterMs: 10_000 });
    grids.push(grid);
    await grid.startScheduler();
    await grid.startWorker({ nodeId: 'solo', cpuCores: 1, memoryGb: 1 });

    // One job runs until its gate opens; three more wait behind it.
    const gate = `${grid.dir}/gate`;
    const hold = ['sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.05; done; echo held`];
    await grid.submit({ jobId: 'running', command: hold });
    await grid.waitForState('running', [JobState.RUNNING]);
    for (const id of ['wait-1', 'wait-2', 'wait-3']) {
      const job = await grid.submit({ jobId: id, command: ['sh', '-c', `echo ${id}`] });
      assert.equal(job.state, JobState.PENDING);
    }
    const before = new Map<string, JobEvent[]>();
    for (const id of ['running', 'wait-1', 'wait-2', 'wait-3']) {
      before.set(id, (await grid.client.getJob({ jobId: id, includeEvents: true })).events);
    }

    await grid.killScheduler();
    // The running job ends while the scheduler is down; its worker keeps the ending.
    writeFileSync(gate, '');
    await new Promise((r) => setTimeout(r, 300));
    await grid.startScheduler();

    for (const id of ['running', 'wait-1', 'wait-2', 'wait-3']) {
      const job = await grid.waitForState(id);
      assert.equal(job.state, JobState.SUCCEEDED, `${id}: ${job.reason}\n${grid.logs()}`);
      // Every event acknowledged before the crash is still there, in order.
      const seqs = job.events.map((e) => e.seq);
      for (const e of before.get(id) ?? []) assert.ok(seqs.includes(e.seq), `${id} lost ${e.type}`);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
      );
    }
    // The job that ran through the crash ran once, as attempt 1.
    const running = await grid.client.getJob({ jobId: 'running', includeEvents: true });
    assert.equal(running.attempt, 1);
    assert.equal(running.events.filter((e) => e.type === 'STARTED').length, 1);
    assert.equal(await grid.output('running'), 'held\n');
  });

  test('scheduler killed during a burst of submits keeps every acknowledged job', async () => {
    const grid = new TestGrid();
    grids.push(grid);
    await grid.startScheduler();

    // No worker: every job stays PENDING, waiting for a node to join.
    const acknowledged: string[] = [];
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) {
      const jobId = `burst-${i}`;
      inFlight.push(
        grid
          .submit({ jobId, command: ['true'] })
          .then(() => void acknowledged.push(jobId))
          .catch(() => undefined),
      );
      if (i === 200) {
        await until('some acknowledgements', () => acknowledged.length > 20);
        void grid.killScheduler();
      }
    }
    await Promise.all(inFlight);
    assert.ok(acknowledged.length > 0);

    await grid.startScheduler();
    const listed = await grid.client.listJobs({ limit: 10_000 });
    const known = new Set(listed.jobs.map((j) => j.spec?.jobId));
    const lost = acknowledged.filter((id) => !known.has(id));
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged jobs lost`);

    // They all still run once a worker joins.
    await grid.startWorker({ nodeId: 'late', cpuCores: 4, memoryGb: 8 });
    for (const id of acknowledged.slice(0, 20)) {
      assert.equal((await grid.waitForState(id)).state, JobState.SUCCEEDED);
    }
  });

  test('worker restarted after SIGKILL kills the processes it left and the job runs again', async () => {
    const grid = new TestGrid({ heartbeatIntervalMs: 200, nodeLostAfterMs: 30_000 });
    grids.push(grid);
    await grid.startScheduler();
    await grid.startWorker({ nodeId: 'phoenix', cpuCores: 1, memoryGb: 1 });
    const pidFile = `${grid.dir}/pid`;
    // The first attempt records its pid and hangs; the second sees the file and succeeds.
    const script = `if [ -e ${pidFile} ]; then echo again; else echo $$ > ${pidFile}; sleep 60; fi`;
    await grid.submit({ jobId: 'orphan', command: ['sh', '-c', script] });
    const pid = await until('the first attempt to write its pid', () => {
      try {
        return Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
      } catch {
        return undefined;
      }
    });

    await grid.killWorker('phoenix');
    assert.ok(alive(pid), 'a SIGKILLed worker leaves its child running');
    await grid.startWorker({ nodeId: 'phoenix', cpuCores: 1, memoryGb: 1 });
    await until('the left-over process to be killed', () => !alive(pid));

    const job = await grid.waitForState('orphan');
    assert.equal(job.state, JobState.SUCCEEDED, job.reason);
    assert.equal(job.attempt, 2);
    assert.equal(await grid.output('orphan'), 'again\n');
  });

  test('scheduler places the jobs of a worker that died on another node', async () => {
    const grid = new TestGrid({ heartbeatIntervalMs: 200, nodeLostAfterMs: 1500 });
    grids.push(grid);
    await grid.startScheduler();
    await grid.startWorker({ nodeId: 'doomed', cpuCores: 1, memoryGb: 1, pricePerHourUsd: 0 });
    const job = await grid.submit({ jobId: 'survivor', command: ['sleep', '60'] });
    assert.equal(job.nodeId, 'doomed');
    await grid.waitForState('survivor', [JobState.RUNNING]);

    await grid.killWorker('doomed');
    await grid.startWorker({ nodeId: 'backup', cpuCores: 1, memoryGb: 1, pricePerHourUsd: 1 });
    const moved = await until('the job to move to backup', async () => {
      const j = await grid.client.getJob({ jobId: 'survivor', includeEvents: true });
      return j.nodeId === 'backup' && j.state === JobState.RUNNING ? j : undefined;
    });
    assert.equal(moved.attempt, 2);
    assert.ok(moved.events.some((e) => e.type === 'RUN_LOST'));
    await grid.client.cancelJob({ jobId: 'survivor' });
    assert.equal((await grid.waitForState('survivor')).state, JobState.CANCELLED);
  });
});

/** The process exists and is not a zombie waiting for init to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
