// How the runtime classifies a failure: the error says whether trying again can help (the
// KafkaJS habit of a `retriable` flag on the error), never the message text.

/** Thrown by a processor for a record that can never be processed: it goes to dlq.<topic>. */
export class NonRetriableError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NonRetriableError';
  }
}

/**
 * Only an explicit `retriable === false` condemns a record (SerdeError, NonRetriableError, a
 * processor's own error class). Anything else (a broker hiccup, a database timeout, a bug that a
 * deploy will fix) is retried: skipping a record is never the default.
 */
export function isRetriable(err: unknown): boolean {
  return !(err && typeof err === 'object' && (err as { retriable?: unknown }).retriable === false);
}

/** The code written to the `dlq-error-code` header: the error's own code, else its class name. */
export function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const { code, name } = err as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && code) return code;
    if (typeof name === 'string' && name) return name;
  }
  return 'UNKNOWN';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
