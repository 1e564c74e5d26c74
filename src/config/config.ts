/**
 * Configuration in one place: documented defaults, then a JSON file, then environment
 * variables (TGP_*), then command-line flags, each layer overriding the one before.
 * Validated once at start-up with messages that name the key and the value, then frozen.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_TRANSFER, type TransferConfig, type TransferLink } from '../cost/transfer.js';
import { TgpError, showValue } from '../errors.js';
import { DEFAULT_JOB, type JobDefaults } from '../scheduler/validate.js';

export interface SchedulerConfig {
  /** host:port the gRPC API listens on. */
  listen: string;
  /** Where the SQLite store lives. */
  dataDir: string;
  heartbeatIntervalMs: number;
  /** A node silent this long is lost and its jobs are placed again. */
  nodeLostAfterMs: number;
  maxAttempts: number;
  logCapBytes: number;
  /**
   * Node verdicts kept with each placement (the chosen node and the cheapest others first,
   * then rejected ones): what `tgp get-status` lists beside the one-line summary.
   */
  verdictsKept: number;
  /** Places a backlog of waiting jobs as one assignment (docs/simulator.md, batch placement). */
  batchPlacement: boolean;
  /** Most waiting jobs in one batch. */
  batchMaxJobs: number;
  /** Wall-clock limit of a batch's LP solve, milliseconds; past it the batch goes greedy. */
  batchTimeLimitMs: number;
  jobDefaults: JobDefaults;
  transfer: TransferConfig;
}

export interface WorkerConfig {
  /** host:port of the scheduler. */
  scheduler: string;
  nodeId: string;
  /** Capacity; 0 means detect from the host. */
  cpuCores: number;
  memoryGb: number;
  gpuCount: number;
  gpuModel: string;
  diskGb: number;
  pricePerHourUsd: number;
  opportunityCostPerHourUsd: number;
  location: string;
  labels: Record<string, string>;
  /** "process" and/or "docker"; the process executor isolates nothing (docs/architecture.md). */
  executors: string[];
  startupMs: number;
  rttMs: number;
  /** Where finished reports wait until the scheduler has them. */
  dataDir: string;
  /** Seconds between the polite stop (SIGTERM) and the kill, for cancel and time-out. */
  stopGraceS: number;
  // ---- the docker executor's sandbox policy (docs/sandbox.md) ----
  /** Engine address: unix:///path or tcp://host:port; empty: DOCKER_HOST, else the default. */
  dockerHost: string;
  /** False (the default): containers get network "none", only a loopback interface. */
  allowNetwork: boolean;
  /** The Docker network jobs join when allowNetwork is true. */
  dockerNetwork: string;
  /** Host paths the operator mounts into every container: "HOST:CONTAINER[:ro|:rw]". */
  mounts: string[];
  /** Capabilities given back after all are dropped, e.g. ["NET_BIND_SERVICE"]. */
  capAdd: string[];
  /** Mounts the image's root filesystem read-only; /tmp stays writable (tmpfs). */
  readOnlyRootfs: boolean;
  /** "uid[:gid]" jobs run as; empty: the image's user. */
  user: string;
  /** Most processes and threads a container may hold (fork bombs stop there). */
  pidsLimit: number;
  /** OCI runtime, e.g. "runsc" for gVisor; empty: the engine's default (runc). */
  dockerRuntime: string;
  /** Runs docker-init as PID 1, so the job's process gets signals and zombies are reaped. */
  dockerInit: boolean;
  /** Longest an image pull may take, seconds. */
  pullTimeoutS: number;
}

export const SCHEDULER_DEFAULTS: SchedulerConfig = {
  listen: '127.0.0.1:7070',
  dataDir: '.tgp/scheduler',
  heartbeatIntervalMs: 10_000,
  nodeLostAfterMs: 30_000,
  maxAttempts: 3,
  logCapBytes: 1024 * 1024,
  verdictsKept: 10,
  batchPlacement: true,
  batchMaxJobs: 5000,
  batchTimeLimitMs: 2000,
  jobDefaults: DEFAULT_JOB,
  transfer: DEFAULT_TRANSFER,
};

export const WORKER_DEFAULTS: WorkerConfig = {
  scheduler: '127.0.0.1:7070',
  nodeId: '',
  cpuCores: 0,
  memoryGb: 0,
  gpuCount: 0,
  gpuModel: '',
  diskGb: 0,
  pricePerHourUsd: 0,
  opportunityCostPerHourUsd: 0,
  location: 'local',
  labels: {},
  executors: ['process'],
  startupMs: 50,
  rttMs: 1,
  dataDir: '',
  stopGraceS: 5,
  dockerHost: '',
  allowNetwork: false,
  dockerNetwork: 'bridge',
  mounts: [],
  capAdd: [],
  readOnlyRootfs: false,
  user: '',
  pidsLimit: 1024,
  dockerRuntime: '',
  dockerInit: true,
  pullTimeoutS: 600,
};

/** Environment variables read, and the key each sets. This is the only place env is read. */
const SCHEDULER_ENV: Record<string, keyof SchedulerConfig> = {
  TGP_LISTEN: 'listen',
  TGP_DATA_DIR: 'dataDir',
  TGP_HEARTBEAT_INTERVAL_MS: 'heartbeatIntervalMs',
  TGP_NODE_LOST_AFTER_MS: 'nodeLostAfterMs',
};
const WORKER_ENV: Record<string, keyof WorkerConfig> = {
  TGP_SCHEDULER: 'scheduler',
  TGP_NODE_ID: 'nodeId',
  TGP_LOCATION: 'location',
  TGP_PRICE_PER_HOUR_USD: 'pricePerHourUsd',
  TGP_DOCKER_HOST: 'dockerHost',
};

function fail(key: string, value: unknown, rule: string): never {
  throw new TgpError('CONFIG_INVALID', `config ${key} = ${showValue(value)}: ${rule}`, key, value);
}

/** Reads a JSON config file; a missing or malformed file is a clear error. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    fail('file', path, `cannot be read (${(err as Error).message})`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      fail('file', path, 'must hold a JSON object');
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TgpError) throw err;
    fail('file', path, `is not valid JSON (${(err as Error).message})`);
  }
}

function fromEnv<T>(table: Record<string, keyof T>, env: NodeJS.ProcessEnv): Partial<T> {
  const out: Partial<Record<keyof T, unknown>> = {};
  for (const [name, key] of Object.entries(table)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') out[key] = raw;
  }
  return out as Partial<T>;
}

/** Merges layers over `defaults` and checks every key against the default's type. */
function merge<T extends object>(
  section: string,
  defaults: T,
  layers: Partial<Record<string, unknown>>[],
): T {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (!(key in defaults)) fail(`${section}.${key}`, value, 'is not a known setting');
      const want = typeof (defaults as Record<string, unknown>)[key];
      if (want === 'number' && typeof value === 'string') {
        const n = Number(value);
        if (value.trim() === '' || !Number.isFinite(n))
          fail(`${section}.${key}`, value, 'must be a number');
        out[key] = n;
      } else if (typeof value !== want) {
        fail(`${section}.${key}`, value, `must be a ${want}`);
      } else {
        out[key] = value;
      }
    }
  }
  return out as T;
}

function nonNegative(key: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) fail(key, value, 'must be a number >= 0');
}

function checkLink(key: string, link: unknown): TransferLink {
  const l = (link ?? {}) as Partial<TransferLink>;
  if (typeof l.pricePerGbUsd !== 'number' || l.pricePerGbUsd < 0) {
    fail(`${key}.pricePerGbUsd`, l.pricePerGbUsd, 'must be a number >= 0');
  }
  if (typeof l.bandwidthGbps !== 'number' || !(l.bandwidthGbps > 0)) {
    fail(`${key}.bandwidthGbps`, l.bandwidthGbps, 'must be a number > 0');
  }
  return { pricePerGbUsd: l.pricePerGbUsd, bandwidthGbps: l.bandwidthGbps };
}

/** Validates a transfer table as written in a config file. */
export function parseTransfer(raw: unknown): TransferConfig {
  if (raw === undefined) return DEFAULT_TRANSFER;
  const t = raw as Partial<TransferConfig>;
  const links: Record<string, TransferLink> = {};
  for (const [key, link] of Object.entries(t.links ?? {})) {
    if (!/^[^>]+->[^>]+$/.test(key)) fail(`transfer.links.${key}`, key, 'keys are "from->to"');
    links[key] = checkLink(`transfer.links.${key}`, link);
  }
  return {
    default: t.default ? checkLink('transfer.default', t.default) : DEFAULT_TRANSFER.default,
    sameLocation: t.sameLocation
      ? checkLink('transfer.sameLocation', t.sameLocation)
      : DEFAULT_TRANSFER.sameLocation,
    links,
  };
}

/** The scheduler's settings from defaults, file section, environment and flags. */
export function schedulerConfig(
  file: Record<string, unknown> = {},
  flags: Partial<Record<string, unknown>> = {},
  env: NodeJS.ProcessEnv = process.env,
): Readonly<SchedulerConfig> {
  const { transfer, jobDefaults, ...plain } = file;
  const base = { ...SCHEDULER_DEFAULTS };
  delete (base as Partial<SchedulerConfig>).transfer;
  delete (base as Partial<SchedulerConfig>).jobDefaults;
  const merged = merge('scheduler', base, [
    plain,
    fromEnv(SCHEDULER_ENV, env),
    flags,
  ]) as SchedulerConfig;

  for (const key of [
    'heartbeatIntervalMs',
    'nodeLostAfterMs',
    'maxAttempts',
    'logCapBytes',
    'verdictsKept',
    'batchMaxJobs',
    'batchTimeLimitMs',
  ] as const) {
    if (!(merged[key] > 0)) fail(`scheduler.${key}`, merged[key], 'must be greater than 0');
  }
  if (merged.nodeLostAfterMs < merged.heartbeatIntervalMs) {
    fail(
      'scheduler.nodeLostAfterMs',
      merged.nodeLostAfterMs,
      'must be at least heartbeatIntervalMs',
    );
  }
  merged.transfer = parseTransfer(transfer);
  merged.jobDefaults = merge('scheduler.jobDefaults', DEFAULT_JOB, [
    (jobDefaults ?? {}) as Record<string, unknown>,
  ]);
  return Object.freeze(merged);
}

/** A worker's settings from defaults, file section, environment and flags. */
export function workerConfig(
  file: Record<string, unknown> = {},
  flags: Partial<Record<string, unknown>> = {},
  env: NodeJS.ProcessEnv = process.env,
): Readonly<WorkerConfig> {
  const merged = merge('worker', WORKER_DEFAULTS, [file, fromEnv(WORKER_ENV, env), flags]);
  for (const key of [
    'cpuCores',
    'memoryGb',
    'gpuCount',
    'diskGb',
    'pricePerHourUsd',
    'opportunityCostPerHourUsd',
    'startupMs',
    'rttMs',
    'stopGraceS',
    'pullTimeoutS',
  ] as const) {
    nonNegative(`worker.${key}`, merged[key]);
  }
  if (!Number.isInteger(merged.pidsLimit) || merged.pidsLimit < 1) {
    fail('worker.pidsLimit', merged.pidsLimit, 'must be a whole number >= 1');
  }
  for (const key of ['mounts', 'capAdd'] as const) {
    const list: unknown = merged[key];
    if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) {
      fail(`worker.${key}`, list, 'must be a list of strings');
    }
  }
  merged.mounts.forEach((m) => checkMount(m));
  if (merged.user !== '' && !/^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/.test(merged.user)) {
    fail('worker.user', merged.user, 'must be "uid[:gid]" or a user name');
  }
  // DOCKER_HOST is the engine's own convention; TGP's settings take precedence over it.
  if (merged.dockerHost === '' && env.DOCKER_HOST) merged.dockerHost = env.DOCKER_HOST;
  if (!Array.isArray(merged.executors) || merged.executors.length === 0) {
    fail('worker.executors', merged.executors, 'must list "process" and/or "docker"');
  }
  for (const e of merged.executors) {
    if (e !== 'process' && e !== 'docker')
      fail('worker.executors', e, 'must be "process" or "docker"');
  }
  return Object.freeze(merged);
}

/** A mount as the operator writes it: "HOST:CONTAINER[:ro|:rw]", both paths absolute. */
export interface HostMount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** Parses one entry of worker.mounts; read-only unless it ends in ":rw". */
export function checkMount(entry: string): HostMount {
  const [hostPath = '', containerPath = '', mode = 'ro', ...rest] = entry.split(':');
  if (!hostPath.startsWith('/') || !containerPath.startsWith('/') || rest.length > 0) {
    fail('worker.mounts', entry, 'must be "HOST:CONTAINER[:ro|:rw]" with absolute paths');
  }
  if (mode !== 'ro' && mode !== 'rw') fail('worker.mounts', entry, 'mode must be ro or rw');
  return { hostPath, containerPath, readOnly: mode === 'ro' };
}

/** The scheduler address a client uses: the flag, else TGP_SCHEDULER, else the default. */
export function clientSchedulerAddress(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return flag ?? (env.TGP_SCHEDULER || SCHEDULER_DEFAULTS.listen);
}
