/**
 * A ledger of the process groups the process executor has started, one small file each in
 * the worker's state directory. A child process cannot be adopted by a restarted agent (its
 * output pipes died with the old one), so at start-up the agent kills every group an
 * earlier agent left behind; the scheduler then counts those runs as lost and places them
 * again. Without this, a worker killed with SIGKILL would leave its jobs running unseen.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Entry {
  jobId: string;
  attempt: number;
  pid: number;
  /** Kernel start time of the process (clock ticks since boot), to tell a reused pid. */
  startTicks: string;
}

/** Field 22 of /proc/PID/stat: when the process started; '' when it is gone or unknown. */
export function processStartTicks(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? '';
  } catch {
    return '';
  }
}

export class ProcessLedger {
  private readonly dir: string;

  /** `stateDir` empty keeps no ledger (nothing survives, nothing is cleaned up). */
  constructor(stateDir: string) {
    this.dir = stateDir === '' ? '' : join(stateDir, 'process-runs');
    if (this.dir !== '') mkdirSync(this.dir, { recursive: true });
  }

  private file(jobId: string, attempt: number): string {
    return join(this.dir, `${jobId}.${attempt}.json`);
  }

  /** Notes a started process group. */
  record(jobId: string, attempt: number, pid: number): void {
    if (this.dir === '') return;
    const entry: Entry = { jobId, attempt, pid, startTicks: processStartTicks(pid) };
    writeFileSync(this.file(jobId, attempt), JSON.stringify(entry));
  }

  /** Forgets a process group that has ended. */
  forget(jobId: string, attempt: number): void {
    if (this.dir === '') return;
    rmSync(this.file(jobId, attempt), { force: true });
  }

  /**
   * Kills every group an earlier agent recorded that still runs (the same pid with the
   * same start time), forgets them all, and returns the runs killed.
   */
  killLeftovers(): { jobId: string; attempt: number }[] {
    if (this.dir === '') return [];
    const killed: { jobId: string; attempt: number }[] = [];
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      try {
        const entry = JSON.parse(readFileSync(path, 'utf8')) as Entry;
        if (entry.startTicks !== '' && processStartTicks(entry.pid) === entry.startTicks) {
          process.kill(-entry.pid, 'SIGKILL');
          killed.push({ jobId: entry.jobId, attempt: entry.attempt });
        }
      } catch {
        // Unreadable entry or a group already gone: nothing to kill.
      }
      rmSync(path, { force: true });
    }
    return killed;
  }
}
