/** The long-running processes: `tgp scheduler` and `tgp worker`. */
import type { Command } from 'commander';
import { readConfigFile, schedulerConfig, workerConfig } from '../../config/config.js';
import { startScheduler } from '../../scheduler/daemon.js';
import { createLogger } from '../../util/log.js';
import { startWorker } from '../../worker/daemon.js';
import { keyValueFlag, numberFlag } from '../options.js';

/** Drops flags the user did not give, so lower layers (file, environment) show through. */
function given(flags: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
}

function onSignals(stop: () => Promise<void>): void {
  const handler = (): void => {
    void stop().then(() => process.exit(0));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

export function registerDaemonCommands(program: Command): void {
  program
    .command('scheduler')
    .description('run the scheduler daemon')
    .option('--config <file>', 'JSON config file (its "scheduler" and "transfer" sections)')
    .option('--listen <host:port>', 'gRPC address (default 127.0.0.1:7070)')
    .option('--data-dir <dir>', 'state directory (default .tgp/scheduler)')
    .option(
      '--heartbeat-interval-ms <ms>',
      'worker heartbeat interval',
      numberFlag('--heartbeat-interval-ms'),
    )
    .option(
      '--node-lost-after-ms <ms>',
      'silence after which a node is lost',
      numberFlag('--node-lost-after-ms'),
    )
    .action(async (flags: { config?: string; [k: string]: unknown }) => {
      const { config: file, ...rest } = flags;
      const raw = file ? readConfigFile(file) : {};
      const section = {
        ...((raw.scheduler ?? {}) as Record<string, unknown>),
        transfer: raw.transfer,
      };
      const config = schedulerConfig(section, given(rest));
      const running = await startScheduler(config, createLogger('scheduler'));
      onSignals(running.stop);
    });

  program
    .command('worker')
    .description('run a worker agent on this machine')
    .option('--config <file>', 'JSON config file (its "worker" section, or the whole file)')
    .option('--node-id <id>', 'node id (default: host name)')
    .option(
      '--price-per-hour <usd>',
      'USD per hour for the whole node',
      numberFlag('--price-per-hour'),
    )
    .option(
      '--opportunity-cost-per-hour <usd>',
      'USD per hour idle capacity is worth',
      numberFlag('--opportunity-cost-per-hour'),
    )
    .option('--location <name>', 'where the node is (for data transfer prices)')
    .option('--cpu <cores>', 'CPU cores offered (default: detected)', numberFlag('--cpu'))
    .option('--memory <gb>', 'memory offered in GB (default: detected)', numberFlag('--memory'))
    .option(
      '--gpu <count>',
      'GPUs offered (default: detected with nvidia-smi)',
      numberFlag('--gpu'),
    )
    .option('--gpu-model <model>', 'GPU model (default: detected)')
    .option('--label <KEY=VALUE>', 'node label (repeatable)', keyValueFlag('--label'))
    .option('--executor <name...>', 'executors to offer: process, docker (default process)')
    .option('--docker-host <url>', 'Docker engine: unix:///path or tcp://host:port (DOCKER_HOST)')
    .option(
      '--startup-ms <ms>',
      'time to start a job here, for latency estimates',
      numberFlag('--startup-ms'),
    )
    .option(
      '--rtt-ms <ms>',
      'round trip to the scheduler, for latency estimates',
      numberFlag('--rtt-ms'),
    )
    .action(async (flags: Record<string, unknown>, cmd: Command) => {
      const raw = typeof flags.config === 'string' ? readConfigFile(flags.config) : {};
      const section = (raw.worker ?? raw) as Record<string, unknown>;
      const scheduler = cmd.optsWithGlobals<{ scheduler?: string }>().scheduler;
      const config = workerConfig(
        section,
        given({
          scheduler,
          nodeId: flags.nodeId,
          pricePerHourUsd: flags.pricePerHour,
          opportunityCostPerHourUsd: flags.opportunityCostPerHour,
          location: flags.location,
          cpuCores: flags.cpu,
          memoryGb: flags.memory,
          gpuCount: flags.gpu,
          gpuModel: flags.gpuModel,
          labels: flags.label,
          executors: flags.executor,
          dockerHost: flags.dockerHost,
          startupMs: flags.startupMs,
          rttMs: flags.rttMs,
        }),
      );
      const agent = await startWorker(config, createLogger('worker'));
      onSignals(() => agent.stop());
    });
}
