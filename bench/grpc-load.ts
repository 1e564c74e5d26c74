/**
 * What the end-to-end benchmarks share: child processes (a real scheduler, the echo floor),
 * fake workers that register over WorkerService and take assignments, and closed- and
 * open-loop load with latency percentiles. All traffic stays on 127.0.0.1.
 */
import {
  Client,
  credentials,
  Metadata,
  type ClientDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  WorkerMessage,
  WorkerServiceClient,
  type JobSpec,
  type RegisterRequest,
} from '../src/api/gen/tgp/v1/tgp.js';

export const ECHO_PATH = '/bench.Echo/Echo';
const CONNECT_PATH = '/tgp.v1.WorkerService/Connect';
const HERE = fileURLToPath(new URL('.', import.meta.url));
const identity = (b: Buffer): Buffer => b;

export interface Child {
  process: ChildProcess;
  /** The first line the child printed, parsed. */
  ready: Record<string, number>;
  /** Milliseconds from spawn to that line. */
  spawnToReadyMs: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `bench/<script>` under tsx and waits for its first stdout line (JSON). Its stderr
 * (the scheduler's log) goes to `logFile` when given, else nowhere.
 */
export async function spawnChild(script: string, args: string[], logFile?: string): Promise<Child> {
  const started = performance.now();
  const stderr = logFile ? openSync(logFile, 'a') : 'ignore';
  // BENCH_CPU_PROF=DIR profiles the children (node --cpu-prof), for finding bottlenecks.
  const prof = process.env.BENCH_CPU_PROF;
  const flags = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
  const child = spawn(
    process.execPath,
    [...flags, '--import', 'tsx', join(HERE, script), ...args],
    {
      stdio: ['ignore', 'pipe', stderr],
      env: { ...process.env },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => resolve(l));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before ready`)));
  });
  return {
    process: child,
    ready: JSON.parse(line) as Record<string, number>,
    spawnToReadyMs: performance.now() - started,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Resident set size of a process, bytes, from /proc. */
export function rssBytes(pid: number, readFile: (p: string) => string): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFile(`/proc/${pid}/status`));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** A raw client of the echo floor: bytes out, the same bytes back. */
export class EchoClient {
  private readonly client: Client;
  constructor(address: string) {
    this.client = new Client(address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    });
  }
  call(payload: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        ECHO_PATH,
        identity,
        identity,
        payload,
        new Metadata(),
        {},
        (err: ServiceError | null, res?: Buffer) => (err ? reject(err) : resolve(res!)),
      );
    });
  }
  close(): void {
    this.client.close();
  }
}

/**
 * Fake worker agents: each registers a node, opens the Connect stream with a hello, counts
 * the assignments it receives (without decoding them) and heartbeats, but runs nothing.
 */
export class FakeWorkers {
  assignments = 0;
  private readonly client: WorkerServiceClient;
  private readonly raw: Client;
  private readonly streams: ClientDuplexStream<Buffer, Buffer>[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Called with the receive time of every assignment. */
  onAssignment: ((atMs: number) => void) | undefined;

  constructor(address: string) {
    this.client = new WorkerServiceClient(address, credentials.createInsecure());
    this.raw = new Client(address, credentials.createInsecure());
  }

  async start(nodes: RegisterRequest[]): Promise<void> {
    for (const reg of nodes) {
      await new Promise<void>((resolve, reject) =>
        this.client.register(reg, (err) => (err ? reject(err) : resolve())),
      );
      const stream = this.raw.makeBidiStreamRequest(CONNECT_PATH, identity, identity);
      stream.on('data', () => {
        this.assignments++;
        this.onAssignment?.(performance.now());
      });
      stream.on('error', () => {});
      const hello = WorkerMessage.encode({
        kind: { $case: 'hello', value: { nodeId: reg.nodeId } },
      }).finish();
      stream.write(Buffer.from(hello));
      this.streams.push(stream);
    }
    const beat = (): void => {
      for (const reg of nodes) {
        this.client.heartbeat({ nodeId: reg.nodeId, free: undefined, running: [] }, () => {});
      }
    };
    this.timer = setInterval(beat, 5000);
    // The streams are attached once the scheduler has read each hello.
    await new Promise((r) => setTimeout(r, 200));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.streams) s.end();
    this.client.close();
    this.raw.close();
  }
}

/** `count` nodes with room for millions of one-core jobs, in four classes. */
export function roomyNodes(count: number): RegisterRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    nodeId: `bench-node-${i}`,
    capacity: { cpuCores: 100_000, memoryGb: 400_000, gpuCount: 0, gpuModel: '', diskGb: 0 },
    pricePerHourUsd: 0.1 + (i % 4) * 0.01,
    opportunityCostPerHourUsd: 0,
    location: 'local',
    labels: {},
    executors: ['process'],
    startupMs: 10,
    rttMs: 1,
    agentVersion: 'bench',
  }));
}

/** A small job as a user would submit it; `tag` makes the job id unique. */
export function benchSpec(tag: string): JobSpec {
  return {
    jobId: `bench-${tag}`,
    image: '',
    command: ['true'],
    env: {},
    workdir: '',
    cpuCores: 1,
    memoryGb: 1,
    gpuCount: 0,
    gpuModel: '',
    diskGb: 0,
    expectedDurationS: 60,
    inputDataGb: 0,
    dataLocation: '',
    priority: 0,
    maxRuntimeS: 0,
    maxBudgetUsd: 0,
    maxLatencyMs: 0,
    constraints: {},
  };
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export function summariseLatency(samples: number[]): LatencySummary {
  const s = Float64Array.from(samples).sort();
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  let sum = 0;
  for (const v of s) sum += v;
  return {
    count: s.length,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: s[s.length - 1] ?? NaN,
    meanMs: sum / s.length,
  };
}

export interface LoadFigure {
  /** Calls completed per second. */
  callsPerS: number;
  calls: number;
  errors: number;
  seconds: number;
  concurrency: number;
  latency: LatencySummary;
  firstError?: string;
}

/** Keeps `concurrency` calls in flight for `seconds`; each call's latency is kept. */
export async function closedLoop(
  concurrency: number,
  seconds: number,
  call: (i: number) => Promise<unknown>,
): Promise<LoadFigure> {
  let next = 0;
  let calls = 0;
  let errors = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const start = performance.now();
  const until = start + seconds * 1000;
  const lane = async (): Promise<void> => {
    while (performance.now() < until) {
      const t0 = performance.now();
      try {
        await call(next++);
        calls++;
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsed = (performance.now() - start) / 1000;
  return {
    callsPerS: calls / elapsed,
    calls,
    errors,
    seconds: elapsed,
    concurrency,
    latency: summariseLatency(latencies),
    ...(firstError ? { firstError } : {}),
  };
}

export interface OpenLoopFigure {
  targetPerS: number;
  achievedPerS: number;
  sent: number;
  errors: number;
  /** From each request's intended send time to its reply (no coordinated omission). */
  latency: LatencySummary;
}

/**
 * Sends at `ratePerS` for `seconds` whatever the replies do: request i is due at
 * start + i / rate, and its latency runs from that due time, so a stall shows in full.
 */
export async function openLoop(
  ratePerS: number,
  seconds: number,
  call: (i: number) => Promise<unknown>,
): Promise<OpenLoopFigure> {
  const total = Math.floor(ratePerS * seconds);
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) / 1000) * ratePerS) + 1);
    for (; sent < due; sent++) {
      const intended = start + (sent / ratePerS) * 1000;
      const p = call(sent).then(
        () => void latencies.push(performance.now() - intended),
        () => void errors++,
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  return {
    targetPerS: ratePerS,
    achievedPerS: latencies.length / elapsed,
    sent,
    errors,
    latency: summariseLatency(latencies),
  };
}
