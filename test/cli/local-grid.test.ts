/**
 * `npm start` runs `tgp local-grid`: a scheduler and three workers posing as different
 * kinds of node, then a demo workload whose placements and costs are printed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN } from '../helpers/grid.js';

test('local grid brings up three workers and prints where each demo job went and why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tgp-local-grid-'));
  try {
    const args = ['local-grid', '--exit-after-demo', '--listen', '127.0.0.1:0'];
    const child = spawn(process.execPath, [BIN, ...args, '--data-dir', join(dir, 'scheduler')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TGP_LOG_LEVEL: 'error' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    assert.equal(code, 0, stderr);
    assert.match(stdout, /Workers up: onprem-1, vps-2, cloud-gpu-3/);
    // Each demo job lands where config/local-grid.json's prices say it should.
    const row = (job: string) => new RegExp(`^${job}-\\d+\\s+(\\S+)\\s+(\\S+)`, 'm');
    const where = (job: string) => row(job).exec(stdout)?.slice(1, 3);
    assert.deepEqual(where('hello'), ['SUCCEEDED', 'onprem-1']);
    assert.deepEqual(where('etl-eu'), ['SUCCEEDED', 'vps-2']);
    assert.deepEqual(where('train-gpu'), ['SUCCEEDED', 'cloud-gpu-3']);
    assert.deepEqual(where('too-dear')?.[0], 'REJECTED');
    assert.match(stdout, /over budget \(cheapest \$[\d.]+ > \$1\.00\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
