/** The CLI's connection to the scheduler: promised calls, and errors as exit codes. */
import { status, type ServiceError } from '@grpc/grpc-js';
import { SchedulerApi } from '../api/client.js';

/** Exit codes of the `tgp` command; the README lists them. */
export const EXIT = {
  OK: 0,
  /** Anything not listed below. */
  ERROR: 1,
  /** A flag or field is malformed (gRPC INVALID_ARGUMENT, or a usage error). */
  INVALID: 2,
  /** The job or node does not exist. */
  NOT_FOUND: 3,
  /** Refused as it stands: never placeable, conflicting id, already ended. */
  REFUSED: 4,
  /** The scheduler could not be reached. */
  UNAVAILABLE: 5,
  /** With --wait: the job ended FAILED or CANCELLED. */
  JOB_FAILED: 6,
} as const;

/** An error the CLI prints as one line and exits with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** A client of the scheduler at `address`; failed calls reject with gRPC ServiceErrors. */
export function connect(address: string): SchedulerApi {
  return new SchedulerApi(address);
}

/** True for the errors grpc-js rejects calls with. */
export function isServiceError(err: unknown): err is ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<ServiceError>).code === 'number' &&
    typeof (err as Partial<ServiceError>).details === 'string'
  );
}

export function fromServiceError(err: ServiceError): CliError {
  switch (err.code) {
    case status.INVALID_ARGUMENT:
      return new CliError(err.details, EXIT.INVALID);
    case status.NOT_FOUND:
      return new CliError(err.details, EXIT.NOT_FOUND);
    case status.ALREADY_EXISTS:
    case status.FAILED_PRECONDITION:
      return new CliError(err.details, EXIT.REFUSED);
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
      return new CliError(`scheduler unreachable: ${err.details}`, EXIT.UNAVAILABLE);
    default:
      return new CliError(err.details || err.message, EXIT.ERROR);
  }
}
