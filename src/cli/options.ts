/** Option parsers shared by commands; a bad value names the flag and the value. */
import { InvalidArgumentError, type Command } from 'commander';
import { clientSchedulerAddress } from '../config/config.js';

/** Parses a number flag; anything but a number literal is refused here. */
export function numberFlag(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || (Number.isNaN(n) && value.trim() !== 'NaN')) {
      throw new InvalidArgumentError(`invalid ${flag} ${JSON.stringify(value)}: must be a number`);
    }
    return n;
  };
}

/** Parses a whole-number flag (GPU counts, priorities): the wire has no room for 1.5 GPUs. */
export function integerFlag(flag: string): (value: string) => number {
  const parse = numberFlag(flag);
  return (value) => {
    const n = parse(value);
    if (!Number.isInteger(n)) {
      throw new InvalidArgumentError(`invalid ${flag} ${JSON.stringify(value)}: must be whole`);
    }
    return n;
  };
}

/** Collects repeated KEY=VALUE flags into a record. */
export function keyValueFlag(
  flag: string,
): (value: string, previous: Record<string, string>) => Record<string, string> {
  return (value, previous = {}) => {
    const eq = value.indexOf('=');
    if (eq <= 0)
      throw new InvalidArgumentError(`invalid ${flag} ${JSON.stringify(value)}: use KEY=VALUE`);
    return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
  };
}

/** The global options every client command sees. */
export interface GlobalOptions {
  scheduler: string;
  json: boolean;
}

/** The global options of `cmd`, with the scheduler address resolved. */
export function globalOptions(cmd: Command): GlobalOptions {
  const raw = cmd.optsWithGlobals<{ scheduler?: string; json?: boolean }>();
  return { scheduler: clientSchedulerAddress(raw.scheduler), json: raw.json ?? false };
}
