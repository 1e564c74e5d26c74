/** The `tgp` command: client verbs, the daemons, the local grid. */
import { Command, CommanderError } from 'commander';
import { TgpError } from '../errors.js';
import { CliError, EXIT, fromServiceError, isServiceError } from './client.js';
import { registerClusterCommands } from './commands/cluster.js';
import { registerDaemonCommands } from './commands/daemons.js';
import { registerJobCommands } from './commands/jobs.js';
import { registerLocalGridCommand } from './commands/local-grid.js';
import { registerSimulateCommand } from './commands/simulate.js';

export function buildProgram(): Command {
  const program = new Command('tgp')
    .description('TGP, The Grid Platform: an economic container job scheduler')
    .version('0.1.0')
    .option(
      '--scheduler <host:port>',
      'scheduler address (default $TGP_SCHEDULER or 127.0.0.1:7070)',
    )
    .option('--json', 'print JSON for scripts')
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`tgp: ${text.replace(/^error: /, '')}`),
    });
  registerJobCommands(program);
  registerClusterCommands(program);
  registerDaemonCommands(program);
  registerLocalGridCommand(program);
  registerSimulateCommand(program);
  return program;
}

/** Runs the CLI; every failure becomes one line on stderr and a documented exit code. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (thrown) {
    const err = isServiceError(thrown) ? fromServiceError(thrown) : thrown;
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? EXIT.OK : EXIT.INVALID;
      return;
    }
    if (err instanceof CliError) {
      console.error(`tgp: ${err.message}`);
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof TgpError) {
      console.error(`tgp: ${err.message}`);
      process.exitCode =
        err.code === 'CONFIG_INVALID' || err.code === 'INVALID_ARGUMENT'
          ? EXIT.INVALID
          : EXIT.ERROR;
      return;
    }
    console.error(`tgp: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = EXIT.ERROR;
  }
}
