/** Live fan-out of job events and output to watchers (WatchJob, GetLogs --follow). */
import { EventEmitter } from 'node:events';
import type { StoredEvent, StoredLogChunk } from '../store/store.js';

export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publishEvent(event: StoredEvent): void {
    this.emitter.emit(`event:${event.jobId}`, event);
  }

  publishLog(chunk: StoredLogChunk): void {
    this.emitter.emit(`log:${chunk.jobId}`, chunk);
  }

  /** Calls `fn` for each new event of `jobId`; returns the unsubscribe function. */
  onEvent(jobId: string, fn: (event: StoredEvent) => void): () => void {
    this.emitter.on(`event:${jobId}`, fn);
    return () => this.emitter.off(`event:${jobId}`, fn);
  }

  onLog(jobId: string, fn: (chunk: StoredLogChunk) => void): () => void {
    this.emitter.on(`log:${jobId}`, fn);
    return () => this.emitter.off(`log:${jobId}`, fn);
  }
}
