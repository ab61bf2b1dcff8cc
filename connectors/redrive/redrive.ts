// What the audit re-drive does with one of the audit sink's dead letters, decided without I/O or
// a clock (the dead letter's own timestamp and a random source are given): re-drive it (send it
// again, through the retry topic the sink also reads, once its backoff has passed) or park it
// (leave it in the dead-letter topic, counted and logged, for an operator).
//
// Re-driven: a failure in the write stage (TASK_PUT) that classifyFailure calls transient (the
// database away or busy: FerretDB's InternalError without a SQLSTATE while PostgreSQL is down, the
// Java driver's socket and timeout errors). Parked: a failure in conversion or a transform (the
// bytes or their schema are wrong: sending them again cannot help), a permanent write failure (a
// NUL character, SQLSTATE 22P05), a record past its attempts, and any record of task-views, the
// outcomes collection, whose ids are topic-partition-offset (KafkaMetaDataStrategy): a re-sent copy
// would get the retry topic's coordinates, a second document beside the one a later redelivery of
// the original would write.
import { classifyFailure } from '../../platform/errors.js';
import { connectFailure } from './connect-failure.js';

/** The context headers Connect's dead-letter reporter adds (errors.deadletterqueue.context.headers.enable). */
export const CONNECT_HEADER_PREFIX = '__connect.';
export const CONNECT_HEADERS = {
  stage: '__connect.errors.stage',
  topic: '__connect.errors.topic',
  exceptionClass: '__connect.errors.exception.class.name',
  exceptionMessage: '__connect.errors.exception.message',
} as const;

/**
 * What the re-drive adds to a record it re-sends. Connect's reporter keeps a record's own headers
 * (checked on the real stack: testing/dead-letters.ts `outageRetried`), so a re-sent record that
 * fails again comes back carrying them.
 */
export const REDRIVE_HEADERS = {
  /** How many times it has been re-sent, this one included: 1, 2, ... */
  attempt: 'audit-redrive-attempt',
  /** The topic it was first read from (the retry topic is where later failures happen). */
  origin: 'audit-redrive-origin',
  /** When it first failed (ms since the epoch): the age of the gap in the audit store. */
  firstFailedAt: 'audit-redrive-first-failed-at',
} as const;

/** The write stage: the sink's put(), after conversion and the transforms. */
export const WRITE_STAGE = 'TASK_PUT';

export interface RedrivePolicy {
  /** Re-sends before a record is parked (each one after a longer wait). */
  maxAttempts: number;
  /** The wait before the first re-send; doubled for each next one... */
  initialBackoffMs: number;
  /** ...up to this. */
  maxBackoffMs: number;
  /** Each wait is shortened by up to this fraction, at random, so that records do not come due in step. */
  jitter: number;
  /** Physical topics whose records are never re-sent (the outcomes topic, see above). */
  neverRedriven: ReadonlySet<string>;
}

export interface DeadLetter {
  /** Header name -> text. Connect writes its context headers as UTF-8 strings. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The dead-letter record's timestamp: when Connect reported the failure (ms). */
  timestamp: number;
}

export type ParkReason = 'no-context' | 'outcomes-topic' | 'not-write-stage' | 'permanent' | 'attempts-exhausted';
export const PARK_REASONS: readonly ParkReason[] = ['no-context', 'outcomes-topic', 'not-write-stage', 'permanent', 'attempts-exhausted'];

export type Decision =
  | {
      action: 'redrive';
      /** The attempt the re-sent record carries (1 for the first re-send). */
      attempt: number;
      origin: string;
      firstFailedAt: number;
      /** Not to be re-sent before this (ms): the failure's time plus the attempt's backoff. */
      dueAt: number;
      /** classifyFailure's code of the failure, for logs and metrics. */
      code: string;
    }
  | {
      action: 'park';
      reason: ParkReason;
      code: string;
      origin: string | null;
      /** Re-sends already made. */
      attempts: number;
      firstFailedAt: number;
    };

/** The wait before re-send number `attempt` (1-based): capped doubling, shortened by jitter. */
export function backoffMs(attempt: number, policy: Pick<RedrivePolicy, 'initialBackoffMs' | 'maxBackoffMs' | 'jitter'>, random: () => number): number {
  const full = Math.min(policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1), policy.maxBackoffMs);
  return Math.round(full * (1 - policy.jitter * random()));
}

const wholeNumber = (text: string | undefined): number | null => (text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : null);

export function decide(letter: DeadLetter, policy: RedrivePolicy, random: () => number = Math.random): Decision {
  const h = letter.headers;
  const failedIn = h[CONNECT_HEADERS.topic];
  const stage = h[CONNECT_HEADERS.stage];
  const origin = h[REDRIVE_HEADERS.origin] ?? failedIn ?? null;
  const attemptHeader = h[REDRIVE_HEADERS.attempt];
  const attempts = attemptHeader === undefined ? 0 : wholeNumber(attemptHeader);
  const firstFailedAt = wholeNumber(h[REDRIVE_HEADERS.firstFailedAt]) ?? letter.timestamp;
  const park = (reason: ParkReason, code: string): Decision => ({ action: 'park', reason, code, origin, attempts: attempts ?? 0, firstFailedAt });

  // Not Connect's dead letter (or one whose re-drive headers were altered): nothing to go by.
  if (!failedIn || !stage || !origin || attempts === null) return park('no-context', 'NO_CONNECT_CONTEXT');
  if (policy.neverRedriven.has(origin)) return park('outcomes-topic', 'OUTCOME_IDS_ARE_OFFSETS');
  if (stage !== WRITE_STAGE) return park('not-write-stage', `STAGE_${stage}`);
  const failure = classifyFailure(connectFailure(h[CONNECT_HEADERS.exceptionClass], h[CONNECT_HEADERS.exceptionMessage]));
  if (failure.kind === 'permanent') return park('permanent', failure.code);
  if (attempts >= policy.maxAttempts) return park('attempts-exhausted', failure.code);
  const attempt = attempts + 1;
  return { action: 'redrive', attempt, origin, firstFailedAt, dueAt: letter.timestamp + backoffMs(attempt, policy, random), code: failure.code };
}

/** As the Kafka client hands them over; a header Connect wrote from a null (a null exception message) has no value. */
type HeaderValue = Buffer | string | (Buffer | string)[] | null | undefined;

/**
 * The headers a re-sent record carries: its own, as the original event had them (correlation id,
 * traceparent, ...), without Connect's context headers (the next failure gets fresh ones) and
 * with the re-drive's, replacing any it carried from an earlier attempt.
 */
export function retryHeaders(
  headers: Readonly<Record<string, HeaderValue>>,
  decision: Extract<Decision, { action: 'redrive' }>,
): Record<string, Buffer | string | (Buffer | string)[]> {
  const ours = new Set<string>(Object.values(REDRIVE_HEADERS));
  const kept: Record<string, Buffer | string | (Buffer | string)[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null || name.startsWith(CONNECT_HEADER_PREFIX) || ours.has(name)) continue;
    kept[name] = value;
  }
  kept[REDRIVE_HEADERS.attempt] = String(decision.attempt);
  kept[REDRIVE_HEADERS.origin] = decision.origin;
  kept[REDRIVE_HEADERS.firstFailedAt] = String(decision.firstFailedAt);
  return kept;
}

/** Header values as text (the last value of a repeated header), for decide(). */
export function headerText(headers: Readonly<Record<string, HeaderValue>> | undefined): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined && last !== null) text[name] = last.toString();
  }
  return text;
}
