/** Starts a worker agent: detects the host, builds its executors, connects. */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { WorkerConfig } from '../config/config.js';
import { STOP_GRACE_S, type Executor } from '../executors/executor.js';
import { ProcessExecutor } from '../executors/process.js';
import type { Logger } from '../util/log.js';
import { WorkerAgent } from './agent.js';
import { hostCapacity } from './capacity.js';

/** Builds the executors the operator enabled; a docker executor must find its engine. */
async function buildExecutors(config: WorkerConfig, log: Logger): Promise<Map<string, Executor>> {
  const executors = new Map<string, Executor>();
  if (config.executors.includes('process')) {
    executors.set('process', new ProcessExecutor(STOP_GRACE_S, config.dataDir));
  }
  if (config.executors.includes('docker')) {
    const { DockerExecutor } = await import('../executors/docker.js');
    const docker = new DockerExecutor({});
    const probe = await docker.probe();
    if (!probe.available)
      throw new Error(`docker executor enabled but unavailable: ${probe.detail}`);
    log.info({ detail: probe.detail }, 'docker engine found');
    executors.set('docker', docker);
  }
  return executors;
}

export async function startWorker(input: WorkerConfig, log: Logger): Promise<WorkerAgent> {
  const nodeId = input.nodeId || hostname();
  const config = { ...input, nodeId, dataDir: input.dataDir || join('.tgp', 'worker', nodeId) };
  const executors = await buildExecutors(config, log);
  const { detectGpus } = await import('../executors/gpu.js');
  const capacity = hostCapacity(config, await detectGpus());
  const agent = new WorkerAgent(config, capacity, executors, log.child({ nodeId: config.nodeId }));
  await agent.start();
  log.info({ nodeId: config.nodeId, capacity, scheduler: config.scheduler }, 'worker registered');
  return agent;
}
