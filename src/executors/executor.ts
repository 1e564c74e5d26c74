/**
 * The contract between the worker agent and whatever runs a job: a child process today, a
 * Docker container (executors/docker.ts). The agent never knows which; it starts an
 * execution, relays its hooks to the scheduler, and awaits `done`.
 */

/** Why an execution ended; stable codes the scheduler stores as the job's end_reason. */
export type EndReason =
  | 'EXITED'
  | 'OOM_KILLED'
  | 'TIMED_OUT'
  | 'CANCELLED'
  | 'IMAGE_UNAVAILABLE'
  | 'START_FAILED'
  | 'LOST';

/** Everything an executor needs to run one attempt of one job. */
export interface ExecutionRequest {
  jobId: string;
  attempt: number;
  /** Container image; empty for the process executor. */
  image: string;
  /** argv; never empty (the scheduler fills in the default command). */
  command: string[];
  env: Record<string, string>;
  /** Working directory; empty for the executor's default. */
  workdir: string;
  cpuCores: number;
  memoryGb: number;
  gpuCount: number;
  /** Hard limit on run time, seconds: stopped, then killed after a grace period. */
  maxRuntimeS: number;
}

export interface ExecutionResult {
  /** Exit code of the job's process; -1 when it never ran or was killed by signal. */
  exitCode: number;
  endReason: EndReason;
  /** One line for people, e.g. "killed for memory (limit 0.25 GB)". */
  message: string;
  /** Measured wall-clock run time, seconds. */
  runtimeS: number;
  startedAtMs: number;
  finishedAtMs: number;
}

/** What an execution tells the agent while it runs. Hooks must not throw. */
export interface ExecutionHooks {
  onStarted(startedAtMs: number): void;
  onOutput(stream: 'stdout' | 'stderr', data: Buffer): void;
  /** Steps before start, such as PULLING_IMAGE, with a message for the job's events. */
  onProgress(type: string, message: string): void;
}

/** A started execution. */
export interface Execution {
  /** Resolves once, when the job has ended for any reason; never rejects. */
  readonly done: Promise<ExecutionResult>;
  /** Stops the job (TERM, then KILL after the grace period); ends as CANCELLED. */
  cancel(reason: string): void;
  /**
   * Called once the scheduler has received the ending: what the run left behind (a stopped
   * container) may go. Until then it stays, so a restarted agent can report it again.
   */
  release?(): void;
}

/** An execution found at start-up that an earlier run of the agent had started. */
export interface AdoptedExecution {
  jobId: string;
  attempt: number;
  execution: Execution;
}

/** What the executor can do on this host, reported at registration. */
export interface ExecutorProbe {
  available: boolean;
  detail: string;
}

export interface Executor {
  /** "process" or "docker": the name jobs are matched on. */
  readonly name: string;
  probe(): Promise<ExecutorProbe>;
  start(request: ExecutionRequest, hooks: ExecutionHooks): Execution;
  /**
   * Finds executions that outlived an earlier agent (containers carry labels); running ones
   * are followed to the end, finished ones reported. Executors that cannot outlive the
   * agent (child processes) return none.
   */
  adopt(hooksFor: (jobId: string, attempt: number) => ExecutionHooks): Promise<AdoptedExecution[]>;
}

/** Seconds between the polite stop signal and the kill. */
export const STOP_GRACE_S = 5;
