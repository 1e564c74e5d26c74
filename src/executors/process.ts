/**
 * Runs a job's command as a child process of the worker agent. It isolates nothing: the
 * job shares the worker's user, filesystem, network and kernel, and its CPU and memory
 * requests are bookkeeping only (docs/architecture.md says so). Operators enable it for
 * trusted work and for machines without Docker.
 */
import { spawn } from 'node:child_process';
import type {
  AdoptedExecution,
  Execution,
  ExecutionHooks,
  ExecutionRequest,
  ExecutionResult,
  Executor,
  ExecutorProbe,
} from './executor.js';
import { STOP_GRACE_S } from './executor.js';
import { ProcessLedger } from './process-ledger.js';

export class ProcessExecutor implements Executor {
  readonly name = 'process';
  private readonly ledger: ProcessLedger;

  /**
   * `graceS`: seconds between the stop signal and the kill. `stateDir`: where the ledger of
   * running process groups is kept, so a restarted agent can kill what an earlier one left.
   */
  constructor(
    private readonly graceS = STOP_GRACE_S,
    stateDir = '',
  ) {
    this.ledger = new ProcessLedger(stateDir);
  }

  probe(): Promise<ExecutorProbe> {
    return Promise.resolve({ available: true, detail: 'child processes, no isolation' });
  }

  adopt(): Promise<AdoptedExecution[]> {
    // A child's output pipes die with the agent that started it, so it cannot be followed:
    // leftovers are killed, and the scheduler, told the runs are gone, places them again.
    this.ledger.killLeftovers();
    return Promise.resolve([]);
  }

  start(request: ExecutionRequest, hooks: ExecutionHooks): Execution {
    const [file, ...args] = request.command;
    const startedAtMs = Date.now();
    let stopReason: 'CANCELLED' | 'TIMED_OUT' | undefined;
    let stopMessage = '';

    const child = spawn(file ?? 'true', args, {
      cwd: request.workdir || undefined,
      env: { ...process.env, ...request.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so stopping the job stops what it started too.
      detached: true,
    });
    // Recorded before the child can run any of the job, so that an agent killed at any
    // moment after this leaves an entry its successor finds.
    if (child.pid !== undefined) this.ledger.record(request.jobId, request.attempt, child.pid);

    const stop = (reason: 'CANCELLED' | 'TIMED_OUT', message: string): void => {
      if (stopReason !== undefined || child.exitCode !== null) return;
      stopReason = reason;
      stopMessage = message;
      signalGroup(child.pid, 'SIGTERM');
      const killer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), this.graceS * 1000);
      killer.unref();
    };

    const timer =
      request.maxRuntimeS > 0
        ? setTimeout(
            () => stop('TIMED_OUT', `stopped after max runtime ${request.maxRuntimeS} s`),
            request.maxRuntimeS * 1000,
          )
        : undefined;

    child.stdout.on('data', (chunk: Buffer) => hooks.onOutput('stdout', chunk));
    child.stderr.on('data', (chunk: Buffer) => hooks.onOutput('stderr', chunk));

    const done = new Promise<ExecutionResult>((resolve) => {
      const finish = (
        exitCode: number,
        endReason: ExecutionResult['endReason'],
        message: string,
      ) => {
        if (timer) clearTimeout(timer);
        this.ledger.forget(request.jobId, request.attempt);
        const finishedAtMs = Date.now();
        resolve({
          exitCode,
          endReason,
          message,
          runtimeS: (finishedAtMs - startedAtMs) / 1000,
          startedAtMs,
          finishedAtMs,
        });
      };
      child.once('spawn', () => hooks.onStarted(startedAtMs));
      child.once('error', (err) =>
        finish(-1, 'START_FAILED', `could not start ${file}: ${err.message}`),
      );
      child.once('close', (code, signal) => {
        if (stopReason) return finish(code ?? -1, stopReason, stopMessage);
        if (code === null) return finish(-1, 'EXITED', `killed by ${signal ?? 'signal'}`);
        finish(code, 'EXITED', `exited with code ${code}`);
      });
    });

    return { done, cancel: (reason) => stop('CANCELLED', `cancelled: ${reason}`) };
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
