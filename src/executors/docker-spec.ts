/**
 * What a job's container looks like: the sandbox policy of the worker's operator, and the
 * one pure function that turns an execution request into the engine's create options.
 * Everything the sandbox guarantees (docs/sandbox.md) is decided here, in one place, so a
 * reader can check it without following the executor's control flow.
 */
import type Docker from 'dockerode';
import type { HostMount } from '../config/config.js';
import type { ExecutionRequest } from './executor.js';

/** The operator's choices; the defaults are the strict ones. */
export interface SandboxPolicy {
  /** False: network "none" (a loopback interface only). */
  allowNetwork: boolean;
  /** The network joined when allowNetwork is true. */
  network: string;
  /** Host paths mounted into every container; jobs cannot ask for others. */
  mounts: HostMount[];
  /** Capabilities given back after dropping all. */
  capAdd: string[];
  readOnlyRootfs: boolean;
  /** "uid[:gid]"; empty keeps the image's user. */
  user: string;
  pidsLimit: number;
  /** OCI runtime; empty for the engine's default. */
  runtime: string;
  /** docker-init as PID 1: signals reach the job, zombies are reaped. */
  init: boolean;
}

export const STRICT_POLICY: SandboxPolicy = {
  allowNetwork: false,
  network: 'bridge',
  mounts: [],
  capAdd: [],
  readOnlyRootfs: false,
  user: '',
  pidsLimit: 1024,
  runtime: '',
  init: true,
};

/** Labels every TGP container carries; adoption after a restart finds containers by them. */
export const LABEL = {
  managed: 'tgp.managed',
  jobId: 'tgp.job-id',
  attempt: 'tgp.attempt',
  nodeId: 'tgp.node-id',
  maxRuntimeS: 'tgp.max-runtime-s',
  memoryGb: 'tgp.memory-gb',
  gpuIds: 'tgp.gpu-ids',
} as const;

const GIB = 1024 ** 3;

/** The engine keeps at most this much of a container's output (json-file's max-size). */
export const LOG_MAX_SIZE = '64m';

/** Memory limit in bytes for `memoryGb` (1 GB = 1 GiB of memory, as in the proto). */
export function memoryBytes(memoryGb: number): number {
  return Math.round(memoryGb * GIB);
}

/** A name the engine accepts and that no other node, job or attempt shares. */
export function containerName(nodeId: string, jobId: string, attempt: number): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `tgp-${safe(nodeId)}-${safe(jobId)}-${attempt}`;
}

/**
 * The engine's create options for one attempt. `gpuIds` names the devices reserved for it;
 * empty with gpuCount > 0 lets the engine choose (GPUs declared but not detected).
 */
export function containerSpec(
  request: ExecutionRequest,
  policy: SandboxPolicy,
  nodeId: string,
  gpuIds: string[] = [],
): Docker.ContainerCreateOptions {
  const memory = memoryBytes(request.memoryGb);
  const hostConfig: Docker.HostConfig = {
    // Limits: CPU as a CFS quota, memory with swap equal to it (no hidden swap), processes.
    NanoCpus: Math.max(1, Math.round(request.cpuCores * 1e9)),
    Memory: memory,
    MemorySwap: memory,
    PidsLimit: policy.pidsLimit,
    // Isolation: no privileges to gain, none held beyond what the operator gives back.
    Privileged: false,
    CapDrop: ['ALL'],
    CapAdd: policy.capAdd,
    SecurityOpt: ['no-new-privileges'],
    ReadonlyRootfs: policy.readOnlyRootfs,
    NetworkMode: policy.allowNetwork ? policy.network : 'none',
    Binds: policy.mounts.map((m) => `${m.hostPath}:${m.containerPath}:${m.readOnly ? 'ro' : 'rw'}`),
    Init: policy.init,
    // The worker removes the container once its ending is reported, not the engine.
    AutoRemove: false,
    RestartPolicy: { Name: 'no' },
    // The engine's copy of the output is what an agent replays after a restart; it is
    // bounded so a chatty job cannot fill the disk (output past it is not replayed).
    LogConfig: { Type: 'json-file', Config: { 'max-size': LOG_MAX_SIZE, 'max-file': '1' } },
  };
  if (policy.readOnlyRootfs) hostConfig.Tmpfs = { '/tmp': 'rw,nosuid,nodev,size=64m' };
  if (policy.runtime !== '') hostConfig.Runtime = policy.runtime;
  if (request.gpuCount > 0) {
    hostConfig.DeviceRequests = [
      gpuIds.length > 0
        ? { Driver: 'nvidia', DeviceIDs: gpuIds, Capabilities: [['gpu']] }
        : { Driver: 'nvidia', Count: request.gpuCount, Capabilities: [['gpu']] },
    ];
  }

  return {
    name: containerName(nodeId, request.jobId, request.attempt),
    Image: request.image,
    Cmd: request.command,
    Env: Object.entries(request.env).map(([k, v]) => `${k}=${v}`),
    WorkingDir: request.workdir || undefined,
    User: policy.user || undefined,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    Labels: {
      [LABEL.managed]: 'true',
      [LABEL.jobId]: request.jobId,
      [LABEL.attempt]: String(request.attempt),
      [LABEL.nodeId]: nodeId,
      [LABEL.maxRuntimeS]: String(request.maxRuntimeS),
      [LABEL.memoryGb]: String(request.memoryGb),
      [LABEL.gpuIds]: gpuIds.join(','),
    },
    HostConfig: hostConfig,
  };
}
