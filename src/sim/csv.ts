/**
 * A small CSV reader for the trace files the simulator reads: a header line, then one
 * record per line, comma separated. The traces quote nothing, so neither does this.
 */
import { TgpError } from '../errors.js';

/** One record, by column name; a missing trailing field reads as "". */
export type CsvRecord = Readonly<Record<string, string>>;

/** Parses `text`; `required` columns must be in the header. */
export function parseCsv(text: string, file: string, required: readonly string[]): CsvRecord[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  for (const column of required) {
    if (!header.includes(column)) {
      throw new TgpError(
        'CONFIG_INVALID',
        `${file}: missing column ${JSON.stringify(column)} (header is ${JSON.stringify(
          header.join(','),
        )})`,
        'column',
        column,
      );
    }
  }
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const record: Record<string, string> = {};
    header.forEach((name, i) => (record[name] = (cells[i] ?? '').trim()));
    return record;
  });
}

/** A numeric cell; throws naming the file, line and column when it is not a number. */
export function numberCell(record: CsvRecord, column: string, file: string, line: number): number {
  const raw = record[column] ?? '';
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n)) {
    throw new TgpError(
      'CONFIG_INVALID',
      `${file}:${line}: column ${column} is ${JSON.stringify(raw)}, not a number`,
      column,
      raw,
    );
  }
  return n;
}
