/**
 * The gRPC front of the scheduler: both services on one port, each handler a thin
 * translation between wire messages and Scheduler calls. Errors travel as their catalogue
 * status with the catalogue message; anything unexpected is logged and sent as INTERNAL,
 * and the server keeps serving.
 */
import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { TgpError } from '../errors.js';
import { assignmentOf, type Scheduler, type WorkerLink } from '../scheduler/scheduler.js';
import { validateRegistration } from '../scheduler/validate-node.js';
import type { Logger } from '../util/log.js';
import {
  decisionToWire,
  costToWire,
  eventToWire,
  jobToWire,
  nodeToWire,
  stateFromWire,
} from './convert.js';
import {
  SchedulerService,
  WorkerServiceService,
  type SchedulerMessage,
  type SchedulerServer,
  type WorkerMessage,
  type WorkerServiceServer,
} from './gen/tgp/v1/tgp.js';
import { isTerminal, type JobStateName } from '../scheduler/job-record.js';

export const SCHEDULER_VERSION = '0.1.0';

/** Maps any thrown value to a gRPC error; unexpected ones are logged. */
export function toServiceError(err: unknown, log: Logger): Partial<ServiceError> {
  if (err instanceof TgpError) return { code: err.grpcStatus, details: err.message };
  log.error({ err }, 'request failed unexpectedly');
  const message = err instanceof Error ? err.message : String(err);
  return { code: status.INTERNAL, details: `internal error: ${message}` };
}

function unary<Req, Res>(
  log: Logger,
  fn: (req: Req) => Promise<Res> | Res,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err, log)),
      );
  };
}

function schedulerHandlers(s: Scheduler, log: Logger): SchedulerServer {
  return {
    submitJob: unary(log, async (req) => {
      if (!req.spec) throw new TgpError('INVALID_ARGUMENT', 'invalid spec: is required', 'spec');
      const { job, created } = await s.submit(req.spec);
      return { job: jobToWire(job, [], false), created, error: '', errorCode: '' };
    }),

    submitJobs: unary(log, async (req) => {
      const results = await s.submitMany(req.specs);
      return {
        results: results.map((r) =>
          r instanceof TgpError
            ? { job: undefined, created: false, error: r.message, errorCode: r.code }
            : { job: jobToWire(r.job, [], false), created: r.created, error: '', errorCode: '' },
        ),
      };
    }),

    getJob: unary(log, async (req) => {
      const job = s.get(req.jobId);
      const events = req.includeEvents ? await s.events(req.jobId, 0) : [];
      return jobToWire(job, events);
    }),

    listJobs: unary(log, (req) => {
      const states = new Set<JobStateName>();
      for (const st of req.states) {
        const name = stateFromWire(st);
        if (!name)
          throw new TgpError('INVALID_ARGUMENT', `invalid states value ${st}`, 'states', st);
        states.add(name);
      }
      const limit = req.limit === 0 ? 1000 : Math.min(req.limit, 100_000);
      return { jobs: s.list(states, limit, req.nodeId).map((j) => jobToWire(j)) };
    }),

    cancelJob: unary(log, async (req) => jobToWire(await s.cancel(req.jobId))),

    watchJob: (call) => {
      void watchJob(s, call, log);
    },

    getLogs: (call) => {
      void streamLogs(s, call, log);
    },

    clusterStatus: unary(log, () => ({
      nodes: [...s.nodes.values()].map(nodeToWire),
      jobsByState: Object.fromEntries(s.countByState()),
      schedulerVersion: SCHEDULER_VERSION,
      nowMs: Date.now(),
    })),

    quote: unary(log, (req) => {
      if (!req.spec) throw new TgpError('INVALID_ARGUMENT', 'invalid spec: is required', 'spec');
      const decision = s.quote(req.spec);
      return { placement: decisionToWire(decision), cost: costToWire(decision.chosen?.cost) };
    }),
  };
}

/** Sends stored events after the requested seq, then live ones until the job ends. */
async function watchJob(
  s: Scheduler,
  call: ServerWritableStream<{ jobId: string; afterSeq: number }, unknown>,
  log: Logger,
): Promise<void> {
  const { jobId } = call.request;
  let lastSeq = call.request.afterSeq;
  const live: ReturnType<typeof eventToWire>[] = [];
  let backlogSent = false;
  const send = (e: ReturnType<typeof eventToWire>): void => {
    if (e.seq <= lastSeq) return;
    lastSeq = e.seq;
    call.write(e);
    if (isTerminal(e.type as JobStateName)) call.end();
  };

  try {
    s.get(jobId);
    // Subscribe before reading the backlog so nothing falls between the two.
    const unsubscribe = s.bus.onEvent(jobId, (e) => {
      if (backlogSent) send(eventToWire(e));
      else live.push(eventToWire(e));
    });
    call.on('cancelled', unsubscribe);
    call.on('close', unsubscribe);
    for (const e of await s.events(jobId, lastSeq)) send(eventToWire(e));
    backlogSent = true;
    for (const e of live) send(e);
    if (isTerminal(s.get(jobId).state) && call.writable) call.end();
  } catch (err) {
    call.emit('error', toServiceError(err, log));
  }
}

/** Sends stored output, then (with follow) live output until the job ends. */
async function streamLogs(
  s: Scheduler,
  call: ServerWritableStream<{ jobId: string; follow: boolean }, unknown>,
  log: Logger,
): Promise<void> {
  const { jobId, follow } = call.request;
  let nextOffset = 0;
  const pending: { offset: number; stream: string; data: Buffer }[] = [];
  let backlogSent = false;
  // Chunks overlap what was sent (backlog and live) or the cut of the log cap: only bytes
  // at or past nextOffset go out.
  const send = (c: { offset: number; stream: string; data: Buffer }): void => {
    const end = c.offset + c.data.length;
    if (end <= nextOffset) return;
    const data = c.offset < nextOffset ? c.data.subarray(nextOffset - c.offset) : c.data;
    call.write({ jobId, stream: c.stream, data, offset: Math.max(c.offset, nextOffset) });
    nextOffset = end;
  };

  try {
    const job = s.get(jobId);
    let unsubscribe = (): void => {};
    if (follow && !isTerminal(job.state)) {
      unsubscribe = s.bus.onLog(jobId, (c) => (backlogSent ? send(c) : pending.push(c)));
      const offEvent = s.bus.onEvent(jobId, (e) => {
        if (!isTerminal(e.state as JobStateName)) return;
        unsubscribe();
        offEvent();
        // Output is committed before the ending, so the backlog is complete by now.
        void s.logs(jobId, nextOffset).then((rest) => {
          rest.forEach(send);
          call.end();
        });
      });
      const stop = (): void => {
        unsubscribe();
        offEvent();
      };
      call.on('cancelled', stop);
      call.on('close', stop);
    }

    const stored = await s.logs(jobId, 0);
    nextOffset = job.logBytesCut;
    if (job.logBytesCut > 0) {
      const note = `[tgp] ${job.logBytesCut} earlier bytes of output were cut; the last ${s.options.logCapBytes} are kept\n`;
      call.write({ jobId, stream: 'tgp', data: Buffer.from(note), offset: 0 });
    }
    stored.forEach(send);
    backlogSent = true;
    pending.forEach(send);
    if (!follow || isTerminal(s.get(jobId).state)) {
      unsubscribe();
      call.end();
    }
  } catch (err) {
    call.emit('error', toServiceError(err, log));
  }
}

function workerHandlers(s: Scheduler, log: Logger): WorkerServiceServer {
  return {
    register: unary(log, async (req) => {
      const reg = validateRegistration(req);
      const assigned = await s.register(reg);
      return {
        heartbeatIntervalMs: s.options.heartbeatIntervalMs,
        assigned: assigned.map((a) => assignmentOf(s.get(a.jobId))),
      };
    }),

    heartbeat: unary(log, (req) => ({ stop: s.heartbeat(req.nodeId, req.running) })),

    connect: (call) => connectWorker(s, call, log),
  };
}

/** The assignment stream: the first message names the node, then reports flow in. */
function connectWorker(
  s: Scheduler,
  call: ServerDuplexStream<WorkerMessage, SchedulerMessage>,
  log: Logger,
): void {
  let nodeId = '';
  const link: WorkerLink = { send: (m) => call.write(m) };
  // Reports are applied in arrival order, one at a time, so output precedes the ending.
  let chain: Promise<void> = Promise.resolve();

  call.on('data', (msg: WorkerMessage) => {
    chain = chain.then(async () => {
      const kind = msg.kind;
      if (!kind) return;
      try {
        if (kind.$case === 'hello') {
          nodeId = kind.value.nodeId;
          s.attachLink(nodeId, link);
          return;
        }
        if (nodeId === '') throw new TgpError('INVALID_ARGUMENT', 'send hello before reports');
        switch (kind.$case) {
          case 'started':
            return await s.reportStarted(nodeId, kind.value);
          case 'output':
            return await s.reportOutput(nodeId, kind.value);
          case 'progress':
            return await s.reportProgress(nodeId, kind.value);
          case 'finished':
            return await s.reportFinished(nodeId, kind.value);
        }
      } catch (err) {
        call.emit('error', toServiceError(err, log));
      }
    });
  });
  const end = (): void => {
    if (nodeId !== '') s.detachLink(nodeId, link);
  };
  call.on('end', () => {
    end();
    call.end();
  });
  call.on('error', end);
  call.on('cancelled', end);
  call.on('close', end);
}

export interface ServerHandle {
  port: number;
  close(): Promise<void>;
}

/** Serves both services on `address` ("127.0.0.1:7070"; port 0 picks a free one). */
export async function serve(s: Scheduler, address: string, log: Logger): Promise<ServerHandle> {
  const server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  server.addService(SchedulerService, schedulerHandlers(s, log));
  server.addService(WorkerServiceService, workerHandlers(s, log));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000).unref();
      }),
  };
}
