/**
 * One attempt of one job as one container, from create (or adoption) to removal. The
 * container's output is attached before it starts, so nothing it writes is missed; its
 * ending is read from the engine (exit code, OOMKilled) once the output stream has drained,
 * so a job's output always reaches the agent before its ending does.
 */
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { Logger } from '../util/log.js';
import { engineMessage, isNoSuchImage, type ImagePuller } from './docker-images.js';
import type { EndReason, Execution, ExecutionHooks, ExecutionResult } from './executor.js';

/** What every run of one executor shares. */
export interface RunContext {
  docker: Docker;
  puller: ImagePuller;
  /** Seconds between the stop signal and the kill. */
  graceS: number;
  log: Logger | undefined;
  /** Called once when the run has ended, before `done` resolves (frees its GPUs). */
  onEnded(run: ContainerRun): void;
}

/** Identity and limits of a run, as the request or the container's labels give them. */
export interface RunIdentity {
  jobId: string;
  attempt: number;
  image: string;
  maxRuntimeS: number;
  memoryGb: number;
  gpuIds: string[];
}

/** Longest wait for the output stream to drain after the container exited, milliseconds. */
const DRAIN_MS = 2000;

/**
 * The engine handles a container's OOM event and its exit event apart, so the exit can be
 * seen before OOMKilled is set. A SIGKILL exit we did not send is inspected again this many
 * times, this far apart (milliseconds), before it is reported as a plain exit.
 */
const OOM_RECHECKS = 10;
const OOM_RECHECK_MS = 100;

export class ContainerRun implements Execution {
  readonly done: Promise<ExecutionResult>;
  private resolveDone!: (result: ExecutionResult) => void;
  private container: Docker.Container | undefined;
  private stopping: { reason: 'CANCELLED' | 'TIMED_OUT'; message: string } | undefined;
  private running = false;
  /** The engine has been asked to start the container and has not answered yet. */
  private starting = false;
  private ended = false;
  private released = false;
  private startedAtMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger | undefined;

  constructor(
    private readonly ctx: RunContext,
    readonly id: RunIdentity,
    private readonly hooks: ExecutionHooks,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.log = ctx.log?.child({ jobId: id.jobId, attempt: id.attempt });
  }

  /** A new run: create the container (pulling its image if absent), attach, start, follow. */
  async launch(spec: Docker.ContainerCreateOptions): Promise<void> {
    let container: Docker.Container;
    try {
      container = await this.create(spec);
    } catch (err) {
      const message = (err as Error).message;
      if (err instanceof ImageUnavailable) return this.finishNow('IMAGE_UNAVAILABLE', message);
      return this.finishNow('START_FAILED', `could not create the container: ${message}`);
    }
    this.container = container;
    await this.startAndFollow(container);
  }

  /**
   * A container an earlier agent left: started if it never was, else followed or reported.
   * Its output is replayed from the engine's log from the first byte; the agent numbers it
   * the same way again, so the scheduler keeps only what it had not yet received.
   */
  async adopt(container: Docker.Container, info: Docker.ContainerInspectInfo): Promise<void> {
    this.container = container;
    const state = info.State;
    if (state.Status === 'created') return this.startAndFollow(container);

    this.startedAtMs = engineTime(state.StartedAt) || Date.now();
    this.running = true;
    this.hooks.onStarted(this.startedAtMs);
    const output = await this.replay(container).catch((err: unknown) => {
      this.log?.warn({ err: engineMessage(err) }, 'container output replay failed');
      return undefined;
    });
    if (state.Running || state.Restarting || state.Paused) {
      this.armTimer();
      return this.follow(container, output);
    }
    if (output) await drained(output, DRAIN_MS);
    this.report(info);
  }

  cancel(reason: string): void {
    this.stop('CANCELLED', `cancelled: ${reason}`);
  }

  /** Removes the container; the agent calls it once the scheduler has the ending. */
  release(): void {
    if (this.released || !this.container) return;
    this.released = true;
    const container = this.container;
    void container.remove({ force: true, v: true }).then(
      () => this.log?.debug({ container: container.id }, 'container removed'),
      (err: unknown) => {
        if ((err as { statusCode?: number }).statusCode === 404) return;
        this.log?.warn({ container: container.id, err: engineMessage(err) }, 'remove failed');
      },
    );
  }

  private async create(spec: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    try {
      return await this.ctx.docker.createContainer(spec);
    } catch (err) {
      if (!isNoSuchImage(err)) throw new Error(engineMessage(err));
    }
    try {
      await this.ctx.puller.pull(this.id.image, (m) => this.hooks.onProgress('PULLING_IMAGE', m));
    } catch (err) {
      const why = (err as Error).message;
      throw new ImageUnavailable(
        `image ${this.id.image} is not on this node and could not be pulled: ${why}`,
      );
    }
    return this.ctx.docker.createContainer(spec);
  }

  private async startAndFollow(container: Docker.Container): Promise<void> {
    let output: Readable | undefined;
    // The engine keeps an attach to a container that never runs open even once the
    // container is removed, so every way out that does not follow closes it here.
    const abandon = (): void => {
      output?.destroy();
      this.release();
    };
    try {
      if (this.ended) return abandon();
      output = await this.attach(container);
      if (this.ended) return abandon();
      this.starting = true;
      await container.start();
    } catch (err) {
      abandon();
      return this.finishNow('START_FAILED', `could not start the container: ${engineMessage(err)}`);
    }
    // Stopped while starting: the ending is already reported, so the container goes.
    if (this.ended) return abandon();

    this.startedAtMs = Date.now();
    this.starting = false;
    this.running = true;
    this.hooks.onStarted(this.startedAtMs);
    this.armTimer();
    // A stop asked while the engine was starting it (its output may already have come).
    if (this.stopping) this.stopContainer();
    await this.follow(container, output);
  }

  /** Attaches to stdout and stderr and relays each frame to the hooks as it comes. */
  private async attach(container: Docker.Container): Promise<Readable> {
    const stream = (await container.attach({
      stream: true,
      stdout: true,
      stderr: true,
      logs: false,
    })) as unknown as Readable;
    demux(stream, (kind, data) => this.hooks.onOutput(kind, data));
    return stream;
  }

  /** The container's whole output so far, then what it writes until it exits. */
  private async replay(container: Docker.Container): Promise<Readable> {
    const stream = (await container.logs({
      follow: true,
      stdout: true,
      stderr: true,
    })) as unknown as Readable;
    demux(stream, (kind, data) => this.hooks.onOutput(kind, data));
    return stream;
  }

  private armTimer(): void {
    if (!(this.id.maxRuntimeS > 0)) return;
    const leftMs = this.id.maxRuntimeS * 1000 - (Date.now() - this.startedAtMs);
    this.timer = setTimeout(
      () => this.stop('TIMED_OUT', `stopped after max runtime ${this.id.maxRuntimeS} s`),
      Math.max(0, leftMs),
    );
  }

  private stop(reason: 'CANCELLED' | 'TIMED_OUT', message: string): void {
    if (this.stopping || this.ended) return;
    this.stopping = { reason, message };
    this.log?.info({ reason }, 'container stopping');
    // Running: the engine stops it. Being started: startAndFollow stops it once the start
    // returns. Not started yet: it ends now, and the launch removes the container.
    if (this.running) this.stopContainer();
    else if (!this.starting) this.finishNow(reason, message);
  }

  /** SIGTERM, then SIGKILL after the grace period: the engine's own stop does both. */
  private stopContainer(): void {
    const container = this.container;
    if (!container) return;
    void container.stop({ t: this.ctx.graceS }).catch((err: unknown) => {
      const code = (err as { statusCode?: number }).statusCode;
      // 304: already stopped; 404: already gone. Either way `follow` sees the ending.
      if (code !== 304 && code !== 404) {
        this.log?.warn({ err: engineMessage(err) }, 'container stop failed');
      }
    });
  }

  /** Waits for the container to exit, lets its output drain, and reports the ending. */
  private async follow(container: Docker.Container, output: Readable | undefined): Promise<void> {
    let statusCode: number;
    try {
      const exit = (await container.wait()) as { StatusCode: number };
      statusCode = exit.StatusCode;
    } catch (err) {
      return this.finishNow('LOST', `lost track of the container: ${engineMessage(err)}`);
    }
    const finishedAtMs = Date.now();
    if (output) await drained(output, DRAIN_MS);

    // A clean exit needs nothing more from the engine; any other is explained by it.
    if (statusCode === 0 && !this.stopping) {
      return this.finish(0, 'EXITED', 'exited with code 0', finishedAtMs);
    }
    try {
      let info = await container.inspect();
      for (let i = 0; i < OOM_RECHECKS && mayBeLateOom(info, this.stopping); i++) {
        await new Promise((resolve) => setTimeout(resolve, OOM_RECHECK_MS));
        info = await container.inspect();
      }
      this.report(info);
    } catch (err) {
      this.finish(statusCode, 'EXITED', `exited with code ${statusCode}`, finishedAtMs);
      this.log?.warn({ err: engineMessage(err) }, 'inspect after exit failed');
    }
  }

  /** Reports the ending the engine recorded for a container that has exited. */
  private report(info: Docker.ContainerInspectInfo): void {
    const state = info.State;
    const exitCode = state.ExitCode;
    const finishedAtMs = engineTime(state.FinishedAt) || Date.now();
    if (this.stopping) {
      return this.finish(exitCode, this.stopping.reason, this.stopping.message, finishedAtMs);
    }
    // The engine flags OOM for any process of the container; it ended the job only if the
    // job then failed.
    if (state.OOMKilled && exitCode !== 0) {
      const message = `killed for memory (limit ${this.id.memoryGb} GB)`;
      return this.finish(exitCode, 'OOM_KILLED', message, finishedAtMs);
    }
    // An unflagged SIGKILL that we did not send: most often the kernel's memory killer,
    // acting before the engine watched for it (docs/sandbox.md).
    const message =
      exitCode === 137
        ? `killed by SIGKILL (exit 137), not flagged as out of memory by the engine; ` +
          `the memory limit (${this.id.memoryGb} GB) is the likeliest cause`
        : `exited with code ${exitCode}`;
    this.finish(exitCode, 'EXITED', message, finishedAtMs);
  }

  private finishNow(endReason: EndReason, message: string): void {
    this.finish(-1, endReason, message, Date.now());
  }

  private finish(
    exitCode: number,
    endReason: EndReason,
    message: string,
    finishedAtMs: number,
  ): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    const startedAtMs = this.startedAtMs || finishedAtMs;
    this.ctx.onEnded(this);
    this.resolveDone({
      exitCode,
      endReason,
      message,
      runtimeS: Math.max(0, finishedAtMs - startedAtMs) / 1000,
      startedAtMs,
      finishedAtMs,
    });
  }
}

class ImageUnavailable extends Error {}

/** A SIGKILL exit (137) that nobody asked for, not (yet) flagged as OOM by the engine. */
function mayBeLateOom(info: Docker.ContainerInspectInfo, stopping: unknown): boolean {
  return !stopping && info.State.ExitCode === 137 && !info.State.OOMKilled;
}

/** Milliseconds since the epoch of an engine time; 0 for the engine's "never". */
export function engineTime(text: string | undefined): number {
  const ms = Date.parse(text ?? '');
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/**
 * Splits the engine's multiplexed stream (no TTY): frames of an 8-byte header (stream type,
 * 3 zero bytes, big-endian length) and a payload.
 */
export function demux(
  stream: Readable,
  onFrame: (kind: 'stdout' | 'stderr', data: Buffer) => void,
): void {
  let buffered: Buffer = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 8) {
      const length = buffered.readUInt32BE(4);
      if (buffered.length < 8 + length) break;
      const type = buffered[0];
      const payload = buffered.subarray(8, 8 + length);
      buffered = buffered.subarray(8 + length);
      if (length > 0 && (type === 1 || type === 2)) {
        onFrame(type === 2 ? 'stderr' : 'stdout', Buffer.from(payload));
      }
    }
  });
  // A broken attach only loses output; the ending is still read from the engine.
  stream.on('error', () => undefined);
}

function drained(stream: Readable, timeoutMs: number): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done(): void {
      clearTimeout(timer);
      stream.destroy();
      resolve();
    }
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
}
