// How the runtime classifies a failure: one table for the whole codebase (platform/errors.ts),
// by error class and code, never by message text.
import { PermanentError, classifyFailure, codeOf, messageOf } from '../../platform/index.js';

/** Thrown by a processor for a record that can never be processed: it goes to dlq.<topic>. */
export class NonRetriableError extends PermanentError {}

/** Whether trying the same record again can help (see classifyFailure). */
export function isRetriable(err: unknown): boolean {
  return classifyFailure(err).kind === 'transient';
}

/** The code written to the `dlq-error-code` header and the metrics' `code` label. */
export function errorCode(err: unknown): string {
  return classifyFailure(err).code || codeOf(err);
}

export const errorMessage = messageOf;
