#!/usr/bin/env node
// `npm run bench [-- NAME...]`: the benchmarks of bench/main.ts, run through tsx (no build).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../bench/main.ts');
await main(process.argv);
// Children and gRPC channels are closed by each bench; nothing else should hold the loop.
process.exit(process.exitCode ?? 0);
