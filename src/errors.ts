/**
 * The one catalogue of TGP errors. Every error a user can see has a stable code, the gRPC
 * status it travels as, and a message that names the field and the value at fault, so that
 * the reader knows what to change.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';

/** Stable error codes, with the gRPC status each is sent as. */
export const ERROR_CATALOGUE = {
  /** A request field is malformed, out of range or missing. */
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  /** The job id exists with a different spec; submit is idempotent only for equal specs. */
  JOB_SPEC_CONFLICT: GrpcStatus.ALREADY_EXISTS,
  /** No job has that id. */
  JOB_NOT_FOUND: GrpcStatus.NOT_FOUND,
  /** No registered node has that id. */
  NODE_NOT_FOUND: GrpcStatus.NOT_FOUND,
  /** A live node re-registered with another capacity, price or location. */
  NODE_CONFLICT: GrpcStatus.ALREADY_EXISTS,
  /** No node could ever run the job as specified (too large, too expensive, too slow). */
  JOB_UNSCHEDULABLE: GrpcStatus.FAILED_PRECONDITION,
  /** The job has already ended and cannot change. */
  JOB_FINISHED: GrpcStatus.FAILED_PRECONDITION,
  /** A worker report carries an attempt number that is no longer current. */
  STALE_ATTEMPT: GrpcStatus.FAILED_PRECONDITION,
  /** Configuration failed validation at start-up. */
  CONFIG_INVALID: GrpcStatus.INVALID_ARGUMENT,
  /** The scheduler cannot reach its store or is shutting down. */
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  /** A bug: something that should not happen did. */
  INTERNAL: GrpcStatus.INTERNAL,
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** An error with a stable code; `field` and `value` name what was wrong, when one thing was. */
export class TgpError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly value: unknown;

  constructor(code: ErrorCode, message: string, field?: string, value?: unknown) {
    super(message);
    this.name = 'TgpError';
    this.code = code;
    this.field = field;
    this.value = value;
  }

  get grpcStatus(): GrpcStatus {
    return ERROR_CATALOGUE[this.code];
  }
}

/** Renders a value for an error message: strings quoted, long ones cut. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') {
    const cut = value.length > 80 ? `${value.slice(0, 80)}…(${value.length} chars)` : value;
    return JSON.stringify(cut);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** A field of a request is wrong: `invalid('cpu_cores', -1, 'must be > 0')`. */
export function invalid(field: string, value: unknown, rule: string): TgpError {
  return new TgpError(
    'INVALID_ARGUMENT',
    `invalid ${field} ${showValue(value)}: ${rule}`,
    field,
    value,
  );
}
