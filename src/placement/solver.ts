/**
 * The LP solver batch placement and the simulator's bound share: HiGHS compiled to
 * WebAssembly (the `highs` package). The module is compiled and instantiated once per
 * process, asynchronously; solves after that are synchronous and block the event loop for
 * at most their time limit.
 */
import * as highsModule from 'highs';
import type { Highs } from 'highs';

type Loader = () => Promise<Highs>;

// The package's types describe its CommonJS build; Node loads its ES module, whose default
// export is the loader itself. Accept either shape.
function loader(): Loader {
  const mod = highsModule as unknown as { default: Loader | { default: Loader } };
  return typeof mod.default === 'function' ? mod.default : mod.default.default;
}

let loading: Promise<Highs> | undefined;
let loaded: Highs | undefined;

/** Loads HiGHS once; later calls return the same instance. Safe to call concurrently. */
export function loadSolver(): Promise<Highs> {
  loading ??= loader()().then((highs) => (loaded = highs));
  return loading;
}

/** The loaded solver, or undefined before `loadSolver()` has resolved. */
export function loadedSolver(): Highs | undefined {
  return loaded;
}
