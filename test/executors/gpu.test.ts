/** GPU discovery with a stand-in nvidia-smi on PATH (these machines have no GPU). */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { detectGpus, modelName, parseNvidiaSmi } from '../../src/executors/gpu.js';
import { fakeNvidiaSmi } from '../helpers/nvidia-smi.js';

async function withPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = `${dir}:${saved ?? ''}`;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

test('gpu detection counts the GPUs nvidia-smi on PATH lists and names their model', async () => {
  const gpus = await withPath(fakeNvidiaSmi(['Tesla T4', 'Tesla T4']), () => detectGpus());
  assert.deepEqual(gpus, { count: 2, model: 'T4', names: ['Tesla T4', 'Tesla T4'] });
});

test('gpu detection finds no GPUs when nvidia-smi fails or is absent', async () => {
  const failing = await withPath(fakeNvidiaSmi([], 9), () => detectGpus());
  assert.equal(failing.count, 0);
  const absent = await detectGpus('/nonexistent/nvidia-smi');
  assert.equal(absent.count, 0);
});

test('gpu model names drop the vendor words nvidia-smi prints', () => {
  assert.equal(modelName('NVIDIA A10G'), 'A10G');
  assert.equal(modelName('NVIDIA GeForce RTX 4090'), 'RTX-4090');
  assert.equal(parseNvidiaSmi('\n').count, 0);
});
