/** Job commands: submit-job, get-status, jobs, cancel, logs, quote. */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { JobSpec, JobState, type Job } from '../../api/gen/tgp/v1/tgp.js';
import { formatUsd } from '../../cost/formula.js';
import { CliError, connect, EXIT, fromServiceError } from '../client.js';
import { costLines, jobDetail, stateName, table, time, verdictTable } from '../format.js';
import { globalOptions, integerFlag, keyValueFlag, numberFlag } from '../options.js';

/** Flags as commander hands them over; unset ones take the scheduler's defaults. */
interface SpecFlags {
  jobId?: string;
  image?: string;
  cpu: number;
  memory: number;
  gpu?: number;
  gpuModel?: string;
  disk?: number;
  duration?: number;
  maxRuntime?: number;
  dataGb?: number;
  dataLocation?: string;
  priority?: number;
  budget?: number;
  latency?: number;
  env?: Record<string, string>;
  constraint?: Record<string, string>;
  workdir?: string;
}

/** The flags that describe a job, shared by submit-job and quote. */
function specOptions(cmd: Command): Command {
  return cmd
    .option('--job-id <id>', 'job id (A-Z a-z 0-9 . _ -, up to 128); generated when omitted')
    .option('--image <image>', 'container image; without one the job runs as a process')
    .option('--cpu <cores>', 'CPU cores', numberFlag('--cpu'), 1)
    .option('--memory <gb>', 'memory in GB', numberFlag('--memory'), 1)
    .option('--gpu <count>', 'GPUs (default: 0)', integerFlag('--gpu'))
    .option('--gpu-model <model>', 'required GPU model (T4, A10, ...; default: any)')
    .option('--disk <gb>', 'disk in GB (default: 0)', numberFlag('--disk'))
    .option(
      '--duration <s>',
      'expected run time, for pricing (default: 3600)',
      numberFlag('--duration'),
    )
    .option(
      '--max-runtime <s>',
      'hard run time limit (default: 86400)',
      numberFlag('--max-runtime'),
    )
    .option(
      '--data-gb <gb>',
      'input data to move to the node (default: 0)',
      numberFlag('--data-gb'),
    )
    .option('--data-location <loc>', 'where the input data lives')
    .option(
      '--priority <n>',
      'higher runs first among waiting jobs (default: 0)',
      integerFlag('--priority'),
    )
    .option(
      '--budget <usd>',
      'most the job may cost, Formula 4.1 total (default: 1.00)',
      numberFlag('--budget'),
    )
    .option('--latency <ms>', 'latency limit (default: 60000)', numberFlag('--latency'))
    .option('--env <KEY=VALUE>', 'environment variable (repeatable)', keyValueFlag('--env'))
    .option(
      '--constraint <KEY=VALUE>',
      'required node label (repeatable)',
      keyValueFlag('--constraint'),
    )
    .option('--workdir <dir>', 'working directory');
}

function specFrom(flags: SpecFlags, command: string[]): JobSpec {
  return JobSpec.fromPartial({
    jobId: flags.jobId ?? `job-${randomBytes(4).toString('hex')}`,
    image: flags.image,
    command,
    env: flags.env,
    workdir: flags.workdir,
    cpuCores: flags.cpu,
    memoryGb: flags.memory,
    gpuCount: flags.gpu,
    gpuModel: flags.gpuModel,
    diskGb: flags.disk,
    expectedDurationS: flags.duration,
    inputDataGb: flags.dataGb,
    dataLocation: flags.dataLocation,
    priority: flags.priority,
    maxRuntimeS: flags.maxRuntime,
    maxBudgetUsd: flags.budget,
    maxLatencyMs: flags.latency,
    constraints: flags.constraint,
  });
}

function print(json: boolean, value: unknown, human: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : human());
}

/** Follows a job's events until it ends; returns the final job. */
async function waitForEnd(scheduler: string, jobId: string): Promise<Job> {
  const client = connect(scheduler);
  await new Promise<void>((resolve, reject) => {
    const stream = client.watchJob({ jobId, afterSeq: 0 });
    stream.on('data', () => undefined);
    stream.on('end', () => resolve());
    stream.on('error', (err) => reject(fromServiceError(err as never)));
  });
  return client.getJob({ jobId, includeEvents: false });
}

export function registerJobCommands(program: Command): void {
  const globals = globalOptions;

  specOptions(program.command('submit-job'))
    .description('submit a job; the command follows `--` (default: an echo)')
    .argument('[command...]', "the job's command and arguments")
    .option('--wait', 'wait until the job ends; exit 6 unless it succeeded')
    .action(async (command: string[], flags: SpecFlags & { wait?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const client = connect(g.scheduler);
      const spec = specFrom(flags, command);
      const res = await client.submitJob({ spec });
      let job = res.job!;
      if (flags.wait) job = await waitForEnd(g.scheduler, spec.jobId);
      print(g.json, job, () => {
        const head = res.created ? 'Submitted' : 'Already known (same spec)';
        const where = job.nodeId ? ` on ${job.nodeId}` : '';
        const lines = [`${head}: job ${spec.jobId} ${stateName(job.state)}${where}`];
        lines.push(...costLines(job.estimated));
        if (job.reason) lines.push(`  why: ${job.reason}`);
        if (job.actual)
          lines.push(
            `  actual: ${formatUsd(job.actual.totalCostUsd)} for ${job.actualRuntimeS.toFixed(2)} s`,
          );
        return lines.join('\n');
      });
      if (flags.wait && job.state !== JobState.SUCCEEDED) {
        throw new CliError(
          `job ${spec.jobId} ended ${stateName(job.state)}: ${job.reason}`,
          EXIT.JOB_FAILED,
        );
      }
    });

  program
    .command('get-status')
    .description('show a job: state, node, why, estimated and actual cost, events')
    .argument('<job-id>')
    .action(async (jobId: string, _flags: unknown, cmd: Command) => {
      const g = globals(cmd);
      const client = connect(g.scheduler);
      const job = await client.getJob({ jobId, includeEvents: true });
      print(g.json, job, () => {
        const verdicts = verdictTable(job.placement);
        return verdicts
          ? `${jobDetail(job)}\n  placement:\n${indent(verdicts, '    ')}`
          : jobDetail(job);
      });
    });

  program
    .command('jobs')
    .description('list jobs, newest first')
    .option('--state <state...>', 'only these states (PENDING, RUNNING, SUCCEEDED, ...)')
    .option('--node <node-id>', 'only jobs on this node', '')
    .option('--limit <n>', 'at most this many', numberFlag('--limit'), 100)
    .action(async (flags: { state?: string[]; node: string; limit: number }, cmd: Command) => {
      const g = globals(cmd);
      const states = (flags.state ?? []).map((s) => {
        const value = JobState[s.toUpperCase() as keyof typeof JobState];
        if (value === undefined || value === JobState.UNRECOGNIZED) {
          throw new CliError(
            `invalid --state ${JSON.stringify(s)}: use PENDING, SCHEDULED, RUNNING, SUCCEEDED, FAILED or CANCELLED`,
            EXIT.INVALID,
          );
        }
        return value;
      });
      const client = connect(g.scheduler);
      const res = await client.listJobs({ states, limit: flags.limit, nodeId: flags.node });
      print(g.json, res.jobs, () =>
        table(
          ['JOB', 'STATE', 'NODE', 'EST_USD', 'ACTUAL_USD', 'SUBMITTED', 'REASON'],
          res.jobs.map((j) => [
            j.spec?.jobId ?? '',
            stateName(j.state),
            j.nodeId || '-',
            j.estimated ? formatUsd(j.estimated.totalCostUsd) : '-',
            j.actual ? formatUsd(j.actual.totalCostUsd) : '-',
            time(j.submittedAtMs),
            j.reason.length > 80 ? `${j.reason.slice(0, 77)}...` : j.reason,
          ]),
        ),
      );
    });

  program
    .command('cancel')
    .description('cancel a job in any live state')
    .argument('<job-id>')
    .action(async (jobId: string, _flags: unknown, cmd: Command) => {
      const g = globals(cmd);
      const client = connect(g.scheduler);
      const job = await client.cancelJob({ jobId });
      print(g.json, job, () =>
        job.state === JobState.CANCELLED
          ? `Job ${jobId} cancelled`
          : `Job ${jobId}: stop requested on ${job.nodeId}; it ends as CANCELLED when the worker confirms`,
      );
    });

  program
    .command('logs')
    .description("print a job's output")
    .argument('<job-id>')
    .option('-f, --follow', 'keep printing new output until the job ends')
    .action(async (jobId: string, flags: { follow?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const client = connect(g.scheduler);
      await new Promise<void>((resolve, reject) => {
        const stream = client.getLogs({ jobId, follow: flags.follow ?? false });
        stream.on('data', (chunk: { stream: string; data: Buffer }) => {
          if (chunk.stream === 'stderr' || chunk.stream === 'tgp') process.stderr.write(chunk.data);
          else process.stdout.write(chunk.data);
        });
        stream.on('end', () => resolve());
        stream.on('error', (err) => reject(fromServiceError(err as never)));
      });
    });

  specOptions(program.command('quote'))
    .description(
      'dry run: every node, its Formula 4.1 breakdown, and why rejected nodes were rejected',
    )
    .argument('[command...]')
    .action(async (command: string[], flags: SpecFlags, cmd: Command) => {
      const g = globals(cmd);
      const client = connect(g.scheduler);
      const res = await client.quote({ spec: specFrom(flags, command) });
      print(g.json, res, () => {
        const p = res.placement;
        const head = p?.chosenNodeId
          ? `Would run on ${p.chosenNodeId}`
          : 'No node can take this job now';
        return [head, ...costLines(res.cost), `  ${p?.summary ?? ''}`, '', verdictTable(p)].join(
          '\n',
        );
      });
    });
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}
