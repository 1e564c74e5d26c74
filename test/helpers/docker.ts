/**
 * A real Docker engine for tests: the one DOCKER_HOST names, else the throwaway engine of
 * scripts/start-dockerd.sh (started here when it is not running yet). Either way the local
 * image tgp-busybox:test is present, so no test needs a registry. Where no engine can be
 * had, `needDocker` skips the test with the reason (under CI=true it fails instead).
 */
import { execFile } from 'node:child_process';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { dockerodeOptions } from '../../src/executors/docker.js';
import { needService } from './services.js';

/** The image every docker test runs: busybox-static, built by the script with docker import. */
export const TEST_IMAGE = 'tgp-busybox:test';

const SCRIPT = fileURLToPath(new URL('../../scripts/start-dockerd.sh', import.meta.url));

export interface TestEngine {
  /** unix:///... as DOCKER_HOST spells it. */
  dockerHost: string;
  docker: Docker;
}

let found: Promise<TestEngine | string> | undefined;

/** The engine, or undefined after skipping `t` (failing it under CI) when there is none. */
export async function needDocker(t: TestContext): Promise<TestEngine | undefined> {
  found ??= findEngine();
  const engine = await found;
  if (typeof engine === 'string') {
    needService(t, 'docker', engine);
    return undefined;
  }
  return engine;
}

async function findEngine(): Promise<TestEngine | string> {
  const given = process.env.DOCKER_HOST;
  if (given) {
    const engine = await answering(given);
    if (engine) {
      if (await hasImage(engine)) return engine;
      const built = await script(['--image-only'], { DOCKER_HOST: given });
      if (typeof built !== 'string' && (await hasImage(engine))) return engine;
    }
  }

  const started = await script([]);
  if (typeof started === 'string') return started;
  const engine = await answering(started.dockerHost);
  if (!engine) return `the engine at ${started.dockerHost} does not answer`;
  if (!(await hasImage(engine))) return `${TEST_IMAGE} is missing on ${started.dockerHost}`;
  return engine;
}

async function answering(dockerHost: string): Promise<TestEngine | undefined> {
  try {
    const docker = new Docker(dockerodeOptions(dockerHost));
    await docker.ping();
    return { dockerHost, docker };
  } catch {
    return undefined;
  }
}

async function hasImage(engine: TestEngine): Promise<boolean> {
  try {
    await engine.docker.getImage(TEST_IMAGE).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Runs scripts/start-dockerd.sh; its last line is DOCKER_HOST=...; a string is a failure. */
function script(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ dockerHost: string } | string> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [SCRIPT, ...args],
      { env: { ...process.env, ...env }, timeout: 300_000 },
      (err, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        if (err || !line.startsWith('DOCKER_HOST=')) {
          const why = (stderr.trim().split('\n').pop() ?? '') || (err?.message ?? 'no output');
          resolve(`scripts/start-dockerd.sh failed: ${why}`);
          return;
        }
        resolve({ dockerHost: line.slice('DOCKER_HOST='.length) });
      },
    );
  });
}

/**
 * A shell script that prints, from inside a container, its own limits as the kernel holds
 * them, on cgroup v1 or v2: the memory limit in bytes, then "quota period" of its CPU
 * (microseconds), then its pids limit.
 */
export const LIMITS_SCRIPT = [
  'mem=/sys/fs/cgroup/memory/memory.limit_in_bytes',
  '[ -e $mem ] || mem=/sys/fs/cgroup/memory.max',
  'cat $mem',
  'cpu=/sys/fs/cgroup/cpu',
  'if [ -e $cpu/cpu.cfs_quota_us ]; then',
  '  echo "$(cat $cpu/cpu.cfs_quota_us) $(cat $cpu/cpu.cfs_period_us)"',
  'else cat /sys/fs/cgroup/cpu.max; fi',
  'pids=/sys/fs/cgroup/pids/pids.max',
  '[ -e $pids ] || pids=/sys/fs/cgroup/pids.max',
  'cat $pids',
].join('\n');

/** The limits LIMITS_SCRIPT printed: bytes, CPU cores (quota over period), processes. */
export function parseLimits(stdout: string): { memoryBytes: number; cores: number; pids: string } {
  const [memory = '', cpu = '', pids = ''] = stdout.split('\n');
  const [quota = NaN, period = NaN] = cpu.trim().split(' ').map(Number);
  return { memoryBytes: Number(memory), cores: quota / period, pids };
}
