/**
 * Tests that need a real service (Docker engine, PostgreSQL, browser) call `needService`.
 * Where the service cannot be had the test is skipped with the reason printed, except
 * under CI=true, where a missing service is a failure: CI must provide it.
 */
import type { TestContext } from 'node:test';

/** True when the test may go on; otherwise it was skipped (or fails under CI). */
export function needService(t: TestContext, service: string, unavailableReason?: string): boolean {
  if (unavailableReason === undefined) return true;
  const message = `${service} unavailable: ${unavailableReason}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing service fails)`);
  console.log(`# skipped: ${message}`);
  t.skip(message);
  return false;
}
