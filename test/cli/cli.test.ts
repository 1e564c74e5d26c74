/**
 * The `tgp` command against a live grid: the original TGP client's lines work as they are,
 * tables by default, JSON with --json, and every failure is one readable line with a
 * documented exit code.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { BIN, TestGrid } from '../helpers/grid.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('tgp command', () => {
  const grid = new TestGrid({ logCapBytes: 1000 });

  function tgp(...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, '--scheduler', grid.address, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  before(async () => {
    await grid.startScheduler();
    await grid.startWorker({
      nodeId: 'vps-2',
      cpuCores: 2,
      memoryGb: 4,
      pricePerHourUsd: 0.2,
      startupMs: 50,
      rttMs: 50,
      location: 'eu-1',
    });
  });
  after(() => grid.stopAll());

  test('tgp submit-job takes the original client line and prints the Formula 4.1 terms', async () => {
    const run = await tgp(
      'submit-job',
      '--job-id',
      'my-job-001',
      '--cpu',
      '1',
      '--memory',
      '1',
      '--budget',
      '5.0',
      '--latency',
      '1000',
    );
    assert.equal(run.code, 0, run.stderr);
    // The original's worked example: half of vps-2 for the default hour.
    assert.match(run.stdout, /Submitted: job my-job-001 SCHEDULED on vps-2/);
    assert.match(run.stdout, /C_comp:  \$0\.10\n/);
    assert.match(run.stdout, /C_data:  \$0\.00\n/);
    assert.match(run.stdout, /C_idle:  \$0\.00\n/);
    assert.match(run.stdout, /C_total: \$0\.10\n/);
    assert.match(run.stdout, /Estimated latency: 100 ms/);
  });

  test('tgp get-status shows state, why, estimated and actual cost, events and verdicts', async () => {
    await grid.waitForState('my-job-001');
    const run = await tgp('get-status', 'my-job-001');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Job my-job-001: SUCCEEDED on vps-2/);
    assert.match(run.stdout, /estimated cost:\n\s+C_comp:  \$0\.10/);
    assert.match(run.stdout, /actual cost \(ran [\d.]+ s\):/);
    assert.match(run.stdout, /SUBMITTED .*\n.*SCHEDULED .*\n.*STARTED .*\n.*SUCCEEDED/);
    assert.match(run.stdout, /vps-2\s+FEASIBLE\s+\$0\.10/);

    const json = await tgp('--json', 'get-status', 'my-job-001');
    const job = JSON.parse(json.stdout) as { spec: { jobId: string }; state: number };
    assert.equal(job.spec.jobId, 'my-job-001');
    assert.equal(job.state, 4);
  });

  test('tgp cluster-status lists each node with price, location and free capacity', async () => {
    const run = await tgp('cluster-status');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /NODE\s+STATE\s+LOCATION\s+PRICE/);
    assert.match(run.stdout, /vps-2\s+READY\s+eu-1\s+\$0\.20\/h/);
    assert.match(run.stdout, /Jobs: .*SUCCEEDED 1/);
  });

  test('tgp submit-job runs the command after -- and tgp logs prints its output', async () => {
    const run = await tgp(
      'submit-job',
      '--job-id',
      'echoer',
      '--wait',
      '--',
      'sh',
      '-c',
      'echo hi; echo oops >&2',
    );
    assert.equal(run.code, 0, run.stderr);
    const logs = await tgp('logs', 'echoer');
    assert.equal(logs.stdout, 'hi\n');
    assert.equal(logs.stderr, 'oops\n');
  });

  test('tgp logs -f follows a job output until it ends', async () => {
    await tgp(
      'submit-job',
      '--job-id',
      'ticker',
      '--',
      'sh',
      '-c',
      'for i in 1 2 3; do echo tick $i; sleep 0.2; done',
    );
    const run = await tgp('logs', '-f', 'ticker');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'tick 1\ntick 2\ntick 3\n');
  });

  test('tgp logs keeps the tail of a long output and says what was cut', async () => {
    const script = 'i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done';
    await tgp('submit-job', '--job-id', 'chatty', '--wait', '--', 'sh', '-c', script);
    const run = await tgp('logs', 'chatty');
    assert.match(
      run.stderr,
      /\[tgp\] \d+ earlier bytes of output were cut; the last 1000 are kept/,
    );
    assert.ok(run.stdout.length <= 1000);
    assert.ok(run.stdout.endsWith('line-299\n'));
  });

  test('tgp jobs lists jobs and filters by state', async () => {
    const run = await tgp('jobs', '--state', 'SUCCEEDED');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /JOB\s+STATE\s+NODE/);
    assert.match(run.stdout, /my-job-001\s+SUCCEEDED\s+vps-2/);
    const bad = await tgp('jobs', '--state', 'SLEEPING');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^tgp: invalid --state "SLEEPING"/);
  });

  test('tgp quote prints every node verdict and schedules nothing', async () => {
    const run = await tgp('quote', '--job-id', 'quoted', '--cpu', '1', '--memory', '8');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /No node can take this job now/);
    assert.match(run.stdout, /0\/1 nodes available: 1 too little memory in all/);
    assert.match(run.stdout, /vps-2\s+NODE_TOO_SMALL_MEMORY/);
    const status = await tgp('get-status', 'quoted');
    assert.equal(status.code, 3, 'a quote leaves no job behind');
  });

  test('tgp cancel stops a running job', async () => {
    await tgp('submit-job', '--job-id', 'sleeper', '--', 'sleep', '30');
    await grid.waitForState('sleeper', [3]);
    const run = await tgp('cancel', 'sleeper');
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await grid.waitForState('sleeper')).state, 6);
  });

  test('tgp turns each refusal into one line and a documented exit code', async () => {
    const cases: [string[], number, RegExp][] = [
      [['submit-job', '--job-id', 'bad id'], 2, /^tgp: invalid job_id "bad id"/],
      [['submit-job', '--cpu', '-1'], 2, /^tgp: invalid cpu_cores -1: must not be negative/],
      [['submit-job', '--cpu', 'lots'], 2, /^tgp: .*invalid --cpu "lots": must be a number/],
      [['submit-job', '--memory', '512'], 4, /^tgp: job "[^"]+" can never be placed/],
      [
        ['submit-job', '--job-id', 'my-job-001', '--cpu', '2'],
        4,
        /already exists with a different spec/,
      ],
      [['get-status', 'no-such-job'], 3, /^tgp: no job with job_id "no-such-job"/],
      [['cancel', 'my-job-001'], 4, /^tgp: job "my-job-001" already ended as SUCCEEDED/],
      [
        ['submit-job', '--wait', '--job-id', 'fails', '--', 'false'],
        6,
        /^tgp: job fails ended FAILED/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const run = await tgp(...args);
      assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1, `one line: ${run.stderr}`);
    }
  });

  test('tgp says so plainly when the scheduler cannot be reached', async () => {
    const run = await new Promise<Run>((resolve) => {
      const child = spawn(process.execPath, [BIN, '--scheduler', '127.0.0.1:1', 'cluster-status'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout: '', stderr }));
    });
    assert.equal(run.code, 5);
    assert.match(run.stderr, /^tgp: scheduler unreachable/);
  });
});
