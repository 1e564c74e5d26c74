/**
 * Pulls images the engine does not have. The executor never asks whether an image is
 * present: it creates the container and pulls only when the engine answers "no such image",
 * so a present image costs nothing. Concurrent runs of one image share one pull.
 */
import type Docker from 'dockerode';
import type { Logger } from '../util/log.js';

/** Seconds between two progress notes in a job's events during one pull. */
const PROGRESS_EVERY_S = 5;

interface PullEvent {
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Called with one line for the job's events (PULLING_IMAGE). */
export type PullProgress = (message: string) => void;

export class ImagePuller {
  private readonly pulls = new Map<string, Promise<void>>();
  private readonly listeners = new Map<string, Set<PullProgress>>();

  constructor(
    private readonly docker: Docker,
    private readonly timeoutS: number,
    private readonly log: Logger | undefined,
  ) {}

  /** Resolves once `image` is present; rejects with the engine's reason when it cannot be. */
  pull(image: string, progress: PullProgress): Promise<void> {
    let listeners = this.listeners.get(image);
    if (!listeners) this.listeners.set(image, (listeners = new Set()));
    listeners.add(progress);
    progress(`pulling image ${image}`);

    let pull = this.pulls.get(image);
    if (!pull) {
      pull = this.run(image).finally(() => {
        this.pulls.delete(image);
        this.listeners.delete(image);
      });
      this.pulls.set(image, pull);
    }
    return pull;
  }

  private async run(image: string): Promise<void> {
    const startedMs = Date.now();
    const tell = (message: string): void => {
      for (const l of this.listeners.get(image) ?? []) l(message);
    };
    this.log?.info({ image }, 'image pull started');

    try {
      const stream = await this.docker.pull(image, {
        abortSignal: AbortSignal.timeout(this.timeoutS * 1000),
      });
      await this.follow(image, stream, startedMs, tell);
    } catch (err) {
      const reason = engineMessage(err);
      this.log?.warn({ image, err: reason }, 'image pull failed');
      throw new Error(reason);
    }

    const tookS = (Date.now() - startedMs) / 1000;
    this.log?.info({ image, tookS }, 'image pulled');
    tell(`pulled image ${image} in ${tookS.toFixed(1)} s`);
  }

  /** Reads the pull's progress lines; an `error` line fails the pull. */
  private follow(
    image: string,
    stream: NodeJS.ReadableStream,
    startedMs: number,
    tell: (message: string) => void,
  ): Promise<void> {
    const layers = new Map<string, string>();
    let lastNoteMs = startedMs;
    return new Promise((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null, events: PullEvent[]) => {
          const failed = events.find((e) => e.error !== undefined);
          if (err) reject(err);
          else if (failed) reject(new Error(failed.errorDetail?.message ?? failed.error));
          else resolve();
        },
        (event: PullEvent) => {
          if (event.id !== undefined && event.status !== undefined) {
            layers.set(event.id, event.status);
          }
          this.log?.debug({ image, status: event.status, layer: event.id }, 'image pull progress');
          const now = Date.now();
          if (now - lastNoteMs < PROGRESS_EVERY_S * 1000 || layers.size === 0) return;
          lastNoteMs = now;
          const complete = [...layers.values()].filter((s) => /complete|exists/i.test(s)).length;
          tell(`pulling image ${image}: ${complete}/${layers.size} layers done`);
        },
      );
    });
  }
}

/** The engine's own words for a failed request, without dockerode's wrapping. */
export function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string; reason?: string };
  return e.json?.message ?? e.message ?? e.reason ?? String(err);
}

/** True when the engine refused a create because the image is not present. */
export function isNoSuchImage(err: unknown): boolean {
  const e = err as { statusCode?: number };
  return e.statusCode === 404 && /no such image/i.test(engineMessage(err));
}
