/**
 * Structured logging: pino, constant messages, data in fields (jobId, nodeId, attempt,
 * costUsd). Child loggers carry the component and the ids of what they serve.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** The root logger; TGP_LOG_LEVEL sets the level (default info, "silent" in tests). */
export function createLogger(
  component: string,
  level = process.env.TGP_LOG_LEVEL ?? 'info',
): Logger {
  return pino({ level, base: { component } }, pino.destination(2));
}
