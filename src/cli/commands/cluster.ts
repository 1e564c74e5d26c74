/** cluster-status: every node, its price, capacity and what is free, and jobs by state. */
import type { Command } from 'commander';
import { formatUsd } from '../../cost/formula.js';
import { connect } from '../client.js';
import { nodeStateName, table } from '../format.js';
import { globalOptions } from '../options.js';

const round = (n: number): string => String(Math.round(n * 100) / 100);

export function registerClusterCommands(program: Command): void {
  program
    .command('cluster-status')
    .description('nodes with price, location, capacity and free resources; jobs by state')
    .action(async (_flags: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const client = connect(g.scheduler);
      const res = await client.clusterStatus();
      if (g.json) {
        console.log(JSON.stringify(res, null, 2));
        return;
      }
      const rows = res.nodes.map((n) => [
        n.nodeId,
        nodeStateName(n.state),
        n.location,
        `${formatUsd(n.pricePerHourUsd)}/h`,
        n.opportunityCostPerHourUsd > 0 ? `${formatUsd(n.opportunityCostPerHourUsd)}/h` : '-',
        `${round(n.free?.cpuCores ?? 0)}/${round(n.capacity?.cpuCores ?? 0)}`,
        `${round(n.free?.memoryGb ?? 0)}/${round(n.capacity?.memoryGb ?? 0)}`,
        n.capacity?.gpuCount
          ? `${n.free?.gpuCount ?? 0}/${n.capacity.gpuCount} ${n.capacity.gpuModel}`
          : '-',
        n.executors.join(','),
        String(n.runningJobIds.length),
      ]);
      const header = [
        'NODE',
        'STATE',
        'LOCATION',
        'PRICE',
        'OPPORTUNITY',
        'CPU_FREE',
        'MEM_GB_FREE',
        'GPU_FREE',
        'EXECUTORS',
        'JOBS',
      ];
      const counts = Object.entries(res.jobsByState)
        .map(([state, n]) => `${state} ${n}`)
        .join(', ');
      console.log(`Scheduler ${res.schedulerVersion}: ${res.nodes.length} nodes`);
      console.log(table(header, rows));
      console.log(`Jobs: ${counts || 'none'}`);
    });
}
