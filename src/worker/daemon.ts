/** Starts a worker agent: detects the host, builds its executors, connects. */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { checkMount, type WorkerConfig } from '../config/config.js';
import type { SandboxPolicy } from '../executors/docker-spec.js';
import type { Executor } from '../executors/executor.js';
import { detectGpus, type DetectedGpus } from '../executors/gpu.js';
import { ProcessExecutor } from '../executors/process.js';
import type { Logger } from '../util/log.js';
import { WorkerAgent } from './agent.js';
import { hostCapacity, type EngineLimits } from './capacity.js';

interface Executors {
  executors: Map<string, Executor>;
  /** What the Docker engine reports, when the docker executor is enabled. */
  engine: EngineLimits | undefined;
}

/** The container sandbox as the operator configured it (docs/sandbox.md). */
export function sandboxPolicy(config: WorkerConfig): SandboxPolicy {
  return {
    allowNetwork: config.allowNetwork,
    network: config.dockerNetwork,
    mounts: config.mounts.map((m) => checkMount(m)),
    capAdd: config.capAdd,
    readOnlyRootfs: config.readOnlyRootfs,
    user: config.user,
    pidsLimit: config.pidsLimit,
    runtime: config.dockerRuntime,
    init: config.dockerInit,
  };
}

/** Builds the executors the operator enabled; a docker executor must find its engine. */
async function buildExecutors(
  config: WorkerConfig,
  gpus: DetectedGpus,
  log: Logger,
): Promise<Executors> {
  const executors = new Map<string, Executor>();
  let engine: EngineLimits | undefined;
  if (config.executors.includes('process')) {
    executors.set('process', new ProcessExecutor(config.stopGraceS, config.dataDir));
  }
  if (config.executors.includes('docker')) {
    const { DockerExecutor } = await import('../executors/docker.js');
    const docker = new DockerExecutor({
      dockerHost: config.dockerHost,
      nodeId: config.nodeId,
      policy: sandboxPolicy(config),
      graceS: config.stopGraceS,
      pullTimeoutS: config.pullTimeoutS,
      gpuIds: gpus.names.map((_, i) => String(i)),
      log: log.child({ nodeId: config.nodeId, executor: 'docker' }),
    });
    const probe = await docker.probe();
    if (!probe.available)
      throw new Error(`docker executor enabled but unavailable: ${probe.detail}`);
    log.info({ detail: probe.detail, dockerHost: config.dockerHost }, 'docker engine found');
    executors.set('docker', docker);
    engine = docker.engine;
  }
  return { executors, engine };
}

export async function startWorker(input: WorkerConfig, log: Logger): Promise<WorkerAgent> {
  const nodeId = input.nodeId || hostname();
  const config = { ...input, nodeId, dataDir: input.dataDir || join('.tgp', 'worker', nodeId) };
  const gpus = await detectGpus();
  if (gpus.count > 0) log.info({ count: gpus.count, model: gpus.model }, 'GPUs detected');
  const { executors, engine } = await buildExecutors(config, gpus, log);
  const capacity = hostCapacity(config, gpus, engine);
  const agent = new WorkerAgent(config, capacity, executors, log.child({ nodeId: config.nodeId }));
  await agent.start();
  log.info({ nodeId: config.nodeId, capacity, scheduler: config.scheduler }, 'worker registered');
  return agent;
}
