/** A stand-in `nvidia-smi` for tests, since these machines have no GPU. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A folder holding an `nvidia-smi` that prints `names` for the query TGP makes. */
export function fakeNvidiaSmi(names: string[], exitCode = 0): string {
  const dir = mkdtempSync(join(tmpdir(), 'tgp-nvsmi-'));
  const script = [
    '#!/bin/sh',
    'case "$*" in *--query-gpu=name*) ;; *) echo "unexpected: $*" >&2; exit 2;; esac',
    ...names.map((n) => `echo "${n}"`),
    `exit ${exitCode}`,
  ].join('\n');
  writeFileSync(join(dir, 'nvidia-smi'), `${script}\n`);
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
  return dir;
}
