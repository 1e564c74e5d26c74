/**
 * A promise-based client of the Scheduler service, used by the `tgp` command, the local
 * grid, the tests and the benchmarks. Every unary call carries a deadline, so a scheduler
 * that does not answer turns into a DEADLINE_EXCEEDED error instead of a hang.
 */
import {
  credentials,
  Metadata,
  type CallOptions,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  SchedulerClient,
  type CancelJobRequest,
  type ClusterStatusResponse,
  type GetJobRequest,
  type GetLogsRequest,
  type Job,
  type JobEvent,
  type ListJobsRequest,
  type ListJobsResponse,
  type LogChunk,
  type QuoteRequest,
  type QuoteResponse,
  type SubmitJobRequest,
  type SubmitJobResponse,
  type SubmitJobsRequest,
  type SubmitJobsResponse,
  type WatchJobRequest,
} from './gen/tgp/v1/tgp.js';

/** Largest message either side accepts, bytes (a batch submit of many specs is large). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

export class SchedulerApi {
  readonly raw: SchedulerClient;

  /** `address` is host:port; `timeoutMs` bounds each unary call. */
  constructor(
    address: string,
    private readonly timeoutMs = 15_000,
  ) {
    this.raw = new SchedulerClient(address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    });
  }

  private unary<Req, Res>(method: Unary<Req, Res>, request: Req): Promise<Res> {
    const deadline = Date.now() + this.timeoutMs;
    return new Promise((resolve, reject) => {
      method.call(this.raw, request, new Metadata(), { deadline }, (err, res) =>
        err ? reject(err) : resolve(res),
      );
    });
  }

  submitJob(request: SubmitJobRequest): Promise<SubmitJobResponse> {
    return this.unary(this.raw.submitJob as Unary<SubmitJobRequest, SubmitJobResponse>, request);
  }

  submitJobs(request: SubmitJobsRequest): Promise<SubmitJobsResponse> {
    return this.unary(this.raw.submitJobs as Unary<SubmitJobsRequest, SubmitJobsResponse>, request);
  }

  getJob(request: GetJobRequest): Promise<Job> {
    return this.unary(this.raw.getJob as Unary<GetJobRequest, Job>, request);
  }

  listJobs(request: Partial<ListJobsRequest>): Promise<ListJobsResponse> {
    const full: ListJobsRequest = { states: [], limit: 0, nodeId: '', ...request };
    return this.unary(this.raw.listJobs as Unary<ListJobsRequest, ListJobsResponse>, full);
  }

  cancelJob(request: CancelJobRequest): Promise<Job> {
    return this.unary(this.raw.cancelJob as Unary<CancelJobRequest, Job>, request);
  }

  clusterStatus(): Promise<ClusterStatusResponse> {
    return this.unary(this.raw.clusterStatus as Unary<object, ClusterStatusResponse>, {});
  }

  quote(request: QuoteRequest): Promise<QuoteResponse> {
    return this.unary(this.raw.quote as Unary<QuoteRequest, QuoteResponse>, request);
  }

  watchJob(request: WatchJobRequest): ClientReadableStream<JobEvent> {
    return this.raw.watchJob(request);
  }

  getLogs(request: GetLogsRequest): ClientReadableStream<LogChunk> {
    return this.raw.getLogs(request);
  }

  /** Resolves with every event of the job once its stream ends (the job ended). */
  waitForEnd(jobId: string): Promise<JobEvent[]> {
    return new Promise((resolve, reject) => {
      const events: JobEvent[] = [];
      const stream = this.watchJob({ jobId, afterSeq: 0 });
      stream.on('data', (e: JobEvent) => events.push(e));
      stream.on('end', () => resolve(events));
      stream.on('error', reject);
    });
  }

  close(): void {
    this.raw.close();
  }
}
