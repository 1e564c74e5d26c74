/**
 * Runs each attempt of a job as one Docker container, through the engine's API (dockerode):
 * limits enforced by the kernel's cgroups, the sandbox of docs/sandbox.md, output streamed
 * as it is written, and containers labelled so that a restarted agent finds and adopts them.
 */
import Docker from 'dockerode';
import type { Logger } from '../util/log.js';
import { ImagePuller, engineMessage } from './docker-images.js';
import { ContainerRun, type RunContext } from './docker-run.js';
import { LABEL, STRICT_POLICY, containerSpec, type SandboxPolicy } from './docker-spec.js';
import type {
  AdoptedExecution,
  Execution,
  ExecutionHooks,
  ExecutionRequest,
  Executor,
  ExecutorProbe,
} from './executor.js';
import { STOP_GRACE_S } from './executor.js';

export interface DockerExecutorOptions {
  /** unix:///path/docker.sock or tcp://host:port; empty: dockerode's default (DOCKER_HOST). */
  dockerHost?: string;
  /** Labels containers with it; adoption takes only this node's containers. */
  nodeId?: string;
  policy?: Partial<SandboxPolicy>;
  /** Seconds between the stop signal and the kill. */
  graceS?: number;
  pullTimeoutS?: number;
  /** Device ids of the GPUs detected on the host ("0", "1"...), handed out one job at a time. */
  gpuIds?: string[];
  log?: Logger;
}

/** What the engine reports about itself, for the worker's registration. */
export interface EngineCapacity {
  cpuCores: number;
  memoryGb: number;
}

export class DockerExecutor implements Executor {
  readonly name = 'docker';
  readonly docker: Docker;
  /** Known once probe() has succeeded. */
  engine: EngineCapacity | undefined;
  private readonly nodeId: string;
  private readonly policy: SandboxPolicy;
  private readonly context: RunContext;
  private readonly gpuIds: string[];
  private readonly gpusInUse = new Set<string>();

  constructor(options: DockerExecutorOptions = {}) {
    this.docker = new Docker(dockerodeOptions(options.dockerHost ?? ''));
    this.nodeId = options.nodeId ?? '';
    this.policy = { ...STRICT_POLICY, ...options.policy };
    this.gpuIds = options.gpuIds ?? [];
    this.context = {
      docker: this.docker,
      puller: new ImagePuller(this.docker, options.pullTimeoutS ?? 600, options.log),
      graceS: options.graceS ?? STOP_GRACE_S,
      log: options.log,
      onEnded: (run) => run.id.gpuIds.forEach((id) => this.gpusInUse.delete(id)),
    };
  }

  async probe(): Promise<ExecutorProbe> {
    try {
      const info = (await this.docker.info()) as {
        ServerVersion?: string;
        NCPU?: number;
        MemTotal?: number;
        CgroupVersion?: string;
      };
      this.engine = { cpuCores: info.NCPU ?? 0, memoryGb: (info.MemTotal ?? 0) / 1024 ** 3 };
      const detail =
        `engine ${info.ServerVersion ?? '?'}, ${this.engine.cpuCores} CPUs, ` +
        `${this.engine.memoryGb.toFixed(1)} GB, cgroup v${info.CgroupVersion ?? '1'}`;
      return { available: true, detail };
    } catch (err) {
      return { available: false, detail: `no Docker engine answers: ${engineMessage(err)}` };
    }
  }

  start(request: ExecutionRequest, hooks: ExecutionHooks): Execution {
    const gpuIds = this.reserveGpus(request.gpuCount);
    const run = new ContainerRun(
      this.context,
      {
        jobId: request.jobId,
        attempt: request.attempt,
        image: request.image,
        maxRuntimeS: request.maxRuntimeS,
        memoryGb: request.memoryGb,
        gpuIds,
      },
      hooks,
    );
    void run.launch(containerSpec(request, this.policy, this.nodeId, gpuIds));
    return run;
  }

  /**
   * Finds this node's containers: running ones are followed, never-started ones started,
   * finished ones reported. Of several attempts of one job only the newest is kept.
   */
  async adopt(
    hooksFor: (jobId: string, attempt: number) => ExecutionHooks,
  ): Promise<AdoptedExecution[]> {
    const listed = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.managed}=true`, `${LABEL.nodeId}=${this.nodeId}`] },
    });
    const newest = new Map<string, { id: string; attempt: number }>();
    for (const c of listed) {
      const jobId = c.Labels[LABEL.jobId] ?? '';
      const attempt = Number(c.Labels[LABEL.attempt]);
      const known = newest.get(jobId);
      if (known && known.attempt >= attempt) {
        await this.discard(c.Id);
        continue;
      }
      if (known) await this.discard(known.id);
      newest.set(jobId, { id: c.Id, attempt });
    }

    const adopted: AdoptedExecution[] = [];
    for (const [jobId, { id, attempt }] of newest) {
      const container = this.docker.getContainer(id);
      const info = await container.inspect();
      const labels = info.Config.Labels;
      const gpuIds = (labels[LABEL.gpuIds] ?? '').split(',').filter((g) => g !== '');
      gpuIds.forEach((g) => this.gpusInUse.add(g));
      const run = new ContainerRun(
        this.context,
        {
          jobId,
          attempt,
          image: info.Config.Image,
          maxRuntimeS: Number(labels[LABEL.maxRuntimeS]) || 0,
          memoryGb: Number(labels[LABEL.memoryGb]) || 0,
          gpuIds,
        },
        hooksFor(jobId, attempt),
      );
      this.context.log?.info({ jobId, attempt, state: info.State.Status }, 'container adopted');
      void run.adopt(container, info);
      adopted.push({ jobId, attempt, execution: run });
    }
    return adopted;
  }

  /** GPU devices for a job; none when the host's GPUs were declared, not detected. */
  private reserveGpus(count: number): string[] {
    if (count === 0 || this.gpuIds.length === 0) return [];
    const free = this.gpuIds.filter((id) => !this.gpusInUse.has(id)).slice(0, count);
    // Fewer free than asked: the scheduler over-placed; the engine's choice is the fallback.
    if (free.length < count) return [];
    free.forEach((id) => this.gpusInUse.add(id));
    return free;
  }

  /** Removes a container of a superseded attempt, running or not. */
  private async discard(id: string): Promise<void> {
    this.context.log?.info({ container: id }, 'stale container removed');
    await this.docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
}

/** dockerode's connection options for an engine address; empty keeps dockerode's default. */
export function dockerodeOptions(dockerHost: string): Docker.DockerOptions {
  if (dockerHost === '') return {};
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost.startsWith('/')) return { socketPath: dockerHost };
  const url = new URL(dockerHost.includes('://') ? dockerHost : `tcp://${dockerHost}`);
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:') {
    throw new Error(
      `docker host ${dockerHost}: only unix:// and tcp:// (plain HTTP) are supported`,
    );
  }
  return { host: url.hostname, port: Number(url.port) || 2375, protocol: 'http' };
}
