/** Starts a scheduler: opens the store, recovers state, serves gRPC. */
import { serve, type ServerHandle } from '../api/server.js';
import type { SchedulerConfig } from '../config/config.js';
import { TransferPrices } from '../cost/transfer.js';
import { SqliteStore } from '../store/sqlite.js';
import type { Logger } from '../util/log.js';
import { Scheduler } from './scheduler.js';

export interface RunningScheduler {
  scheduler: Scheduler;
  server: ServerHandle;
  /** Stops serving, lets pending commits finish and closes the store. */
  stop(): Promise<void>;
}

export async function startScheduler(
  config: SchedulerConfig,
  log: Logger,
): Promise<RunningScheduler> {
  const store = new SqliteStore(config.dataDir);
  const scheduler = await Scheduler.open(store, {
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    nodeLostAfterMs: config.nodeLostAfterMs,
    maxAttempts: config.maxAttempts,
    logCapBytes: config.logCapBytes,
    verdictsKept: config.verdictsKept,
    jobDefaults: config.jobDefaults,
    transfer: new TransferPrices(config.transfer),
    logger: log,
    batch: {
      enabled: config.batchPlacement,
      minJobs: 2,
      maxJobs: config.batchMaxJobs,
      timeLimitMs: config.batchTimeLimitMs,
    },
  });
  const server = await serve(scheduler, config.listen, log);
  log.info(
    { listen: config.listen, port: server.port, dataDir: config.dataDir },
    'scheduler serving',
  );
  return {
    scheduler,
    server,
    stop: async () => {
      await server.close();
      await scheduler.close();
      await store.close();
    },
  };
}
