/** Why a step attempt failed; `retryable` decides whether the retry policy may try again. */
export type FailureKind = 'timeout' | 'connection' | 'auth' | 'rejected' | 'bad-input' | 'internal';

const RETRYABLE: Record<FailureKind, boolean> = {
  timeout: true,
  connection: true,
  auth: true,
  rejected: true,
  'bad-input': false,
  internal: true,
};

/** The error every adapter behind a pipeline port throws: a stable code, a kind and a cause. */
export class StepError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly code: string,
    readonly kind: FailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StepError';
    this.retryable = RETRYABLE[kind];
  }
}

/** Thrown into an attempt that had not started when stop() came: it stays pending in the journal. */
export class Stopping extends Error {}

export function asStepError(err: unknown): StepError {
  if (err instanceof StepError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StepError('INTERNAL', 'internal', message, { cause: err });
}
