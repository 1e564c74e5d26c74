/** The shapes the simulator works on: a workload job, when it comes and how long it runs. */
import type { PlacementJob } from '../placement/types.js';

/** One job of a workload, as the simulator replays it. */
export interface SimJob {
  /** What the placement pipeline sees; `durationS` is the run time priced by Formula 4.1. */
  job: PlacementJob;
  /** Virtual seconds from the start of the workload at which the job is submitted. */
  arrivalS: number;
  /** Virtual seconds the job holds its node once started. */
  runtimeS: number;
  /** Queue priority: higher is offered capacity first (as in the scheduler). */
  priority: number;
}

/** A workload: its jobs in arrival order, and where they came from. */
export interface Workload {
  /** "alibaba", "swf" or "synthetic", plus the file or seed, for reports. */
  source: string;
  jobs: SimJob[];
  /** Lines or records skipped while reading, with why; empty when none were. */
  skipped: string[];
}

/** Sorts jobs by arrival, keeping file order among equal arrivals. */
export function byArrival(jobs: SimJob[]): SimJob[] {
  return jobs
    .map((job, index) => ({ job, index }))
    .sort((a, b) => a.job.arrivalS - b.job.arrivalS || a.index - b.index)
    .map((e) => e.job);
}
