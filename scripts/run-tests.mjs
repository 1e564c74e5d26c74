// Runs every *.test.ts under test/ with node's own test runner (Node 20 takes no globs).
// Extra arguments are passed through, e.g. `npm test -- --test-name-pattern=cost`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = find('test').sort();
const args = [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=2',
  // A test (or a whole file, should its process fail to exit) that hangs fails after 10 min.
  '--test-timeout=600000',
  ...process.argv.slice(2),
  ...files,
];
const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(run.status ?? 1);
