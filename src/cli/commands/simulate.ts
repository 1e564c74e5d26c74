/**
 * `tgp simulate`: replays a workload against a cluster description in virtual time through
 * the scheduler's queue, placement pipeline and Formula 4.1, once per policy, and reports
 * cost, waits, SLO misses and utilisation side by side (table, JSON, SVG).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { TransferPrices } from '../../cost/transfer.js';
import { loadAlibabaNodes, loadClusterFile } from '../../sim/cluster.js';
import { runComparison, SIM_BATCH_DEFAULTS } from '../../sim/compare.js';
import { isPolicy, POLICIES, type PolicyName } from '../../sim/policies.js';
import { loadPriceSheet } from '../../sim/price-sheet.js';
import { downsample, reportTable } from '../../sim/report.js';
import { renderSvg } from '../../sim/svg.js';
import type { Workload } from '../../sim/types.js';
import { loadAlibabaJobs } from '../../sim/workload-alibaba.js';
import { loadSwf } from '../../sim/workload-swf.js';
import { syntheticWorkload } from '../../sim/workload-synthetic.js';
import { CliError, EXIT } from '../client.js';
import { numberFlag } from '../options.js';

const SAMPLE_SHEET = fileURLToPath(
  new URL('../../../config/price-sheet.sample.json', import.meta.url),
);

interface Flags {
  cluster?: string;
  alibabaNodes?: string;
  workload?: string;
  format: string;
  seed: number;
  jobs: number;
  priceSheet: string;
  policies: PolicyName[];
  svg?: string;
  static?: boolean;
  timeLimitMs: number;
}

function policiesFlag(value: string): PolicyName[] {
  const names = value.split(',').map((p) => p.trim());
  for (const name of names) {
    if (!isPolicy(name)) {
      throw new InvalidArgumentError(
        `invalid --policies entry ${JSON.stringify(name)}: use ${POLICIES.join(', ')}`,
      );
    }
  }
  return names as PolicyName[];
}

/** Registers `simulate` on the program. */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('replay a workload against a cluster in virtual time, once per policy')
    .option('--cluster <file>', 'cluster description (JSON; see docs/simulator.md)')
    .option('--alibaba-nodes <csv>', 'cluster from an Alibaba GPU trace node list')
    .option('--workload <file>', 'workload file (Alibaba pod CSV or SWF)')
    .option('--format <format>', 'workload format: alibaba, swf or synthetic', 'alibaba')
    .option('--seed <n>', 'synthetic workload seed', numberFlag('--seed'), 1)
    .option('--jobs <n>', 'synthetic workload size', numberFlag('--jobs'), 1000)
    .option('--price-sheet <file>', 'price sheet (JSON)', SAMPLE_SHEET)
    .option('--policies <list>', `comma-separated: ${POLICIES.join(',')}`, policiesFlag, [
      ...POLICIES,
    ])
    .option('--svg <file>', 'write cost and GPU allocation over time as SVG')
    .option('--static', 'static batch: every job waits at t=0; also solve the LP lower bound')
    .option(
      '--time-limit-ms <ms>',
      'time limit of one batch placement LP (wall clock; past it the pass goes greedy)',
      numberFlag('--time-limit-ms'),
      SIM_BATCH_DEFAULTS.timeLimitMs,
    )
    .addHelpText('after', '\nPrint JSON with the global --json (tgp --json simulate ...).')
    .action(async (flags: Flags, cmd: Command) => {
      const json = cmd.optsWithGlobals<{ json?: boolean }>().json ?? false;
      await runSimulate(flags, json);
    });
}

async function runSimulate(flags: Flags, json: boolean): Promise<void> {
  const sheet = loadPriceSheet(resolve(flags.priceSheet));
  if ((flags.cluster === undefined) === (flags.alibabaNodes === undefined)) {
    throw new CliError('give exactly one of --cluster FILE or --alibaba-nodes CSV', EXIT.INVALID);
  }
  const nodes = flags.cluster
    ? loadClusterFile(flags.cluster, sheet)
    : loadAlibabaNodes(flags.alibabaNodes!, sheet);
  const workload = readWorkload(
    flags,
    nodes.map((n) => n.location),
  );

  const { report, runs } = await runComparison({
    nodes,
    workload,
    transfer: new TransferPrices(sheet.transfer),
    policies: flags.policies,
    static: flags.static ?? false,
    batch: { ...SIM_BATCH_DEFAULTS, timeLimitMs: flags.timeLimitMs },
  });

  if (flags.svg) {
    const title = `${report.mode}: ${report.workload}`;
    const series = runs.map((r) => ({ label: r.policy, points: r.timeline }));
    writeFileSync(flags.svg, renderSvg(series, title));
  }
  if (json) {
    const timelines = Object.fromEntries(runs.map((r) => [r.policy, downsample(r.timeline, 200)]));
    console.log(JSON.stringify({ ...report, timelines }, jsonNumbers, 2));
  } else {
    console.log(reportTable(report));
    if (flags.svg) console.log(`SVG written to ${flags.svg}`);
  }
}

function readWorkload(flags: Flags, locations: string[]): Workload {
  if (flags.format === 'synthetic') {
    return syntheticWorkload({
      jobs: flags.jobs,
      seed: flags.seed,
      dataLocations: [...new Set(locations)],
    });
  }
  if (!flags.workload) {
    throw new CliError(`--format ${flags.format} needs --workload FILE`, EXIT.INVALID);
  }
  if (flags.format === 'alibaba') return loadAlibabaJobs(flags.workload);
  if (flags.format === 'swf') return loadSwf(flags.workload);
  throw new CliError(
    `invalid --format ${JSON.stringify(flags.format)}: use alibaba, swf or synthetic`,
    EXIT.INVALID,
  );
}

/** JSON has no Infinity or NaN: they print as null. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
