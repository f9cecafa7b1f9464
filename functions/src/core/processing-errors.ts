/**
 * How processing can fail. Permanent failures mark the image failed with a message a person can
 * act on; transient ones are thrown so the platform redelivers the event.
 */
export class ProcessingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'ProcessingError';
  }
}

export const permanentFailure = (code: string, message: string): ProcessingError =>
  new ProcessingError(code, message, true);
export const transientFailure = (code: string, message: string): ProcessingError =>
  new ProcessingError(code, message, false);

export const isPermanent = (error: unknown): error is ProcessingError =>
  error instanceof ProcessingError && error.permanent;
