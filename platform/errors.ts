// What a failure means, decided once for the whole codebase: *transient* (a dependency is away
// or busy: try again later, never skip) or *permanent* (this record or request can never
// succeed: dead-letter it, or answer the client's mistake). KafkaJS's habit: errors carry a
// `retriable` flag, and code asks the flag, never the message text. Errors of the libraries we
// call (the MongoDB driver, FerretDB behind it, the Kafka client, Node's sockets) carry no such
// flag; `classifyFailure` reads their codes instead. The table is tested against the real
// errors of the real stack (platform/errors.int.spec.ts).
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { MongoError, MongoServerError } from 'mongodb';

/** The root of our own error classes: a stable code, and whether trying again can help. */
export abstract class AppError extends Error {
  abstract readonly retriable: boolean;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** This record or request can never succeed as it is: a processor throws it to dead-letter a record. */
export class PermanentError extends AppError {
  readonly retriable = false;
}

/** A dependency is away or refused for now; the same work may succeed later. */
export class TransientError extends AppError {
  readonly retriable = true;
}

export type FailureKind = 'transient' | 'permanent';

export interface Classified {
  kind: FailureKind;
  /** Stable, for metrics labels and dead-letter headers: an error code, never a message. */
  code: string;
}

/**
 * MongoDB server codes that refuse a document or a command for good (the same input gets the
 * same answer). Everything else a server says (interrupted, stepped down, timed out, an unknown
 * code) is treated as transient: retried, with the process turning not-ready past its budget,
 * because skipping a record is the one thing that cannot be undone.
 */
const MONGO_PERMANENT = new Map<number, string>([
  [2, 'BadValue'], // FerretDB: invalid key ($-prefixed, dotted), nested arrays
  [9, 'FailedToParse'],
  [14, 'TypeMismatch'],
  [22, 'InvalidBSON'],
  [52, 'DollarPrefixedFieldName'],
  [56, 'EmptyFieldName'],
  [57, 'DottedFieldName'],
  [10334, 'BSONObjectTooLarge'],
  [17280, 'KeyTooLong'],
]);

/** FerretDB's InternalError (code 1) wraps PostgreSQL's failures: the SQLSTATE says which. */
const FERRETDB_INTERNAL = 1;
const SQLSTATE = /\(SQLSTATE ([0-9A-Z]{5})\)/;
/**
 * SQLSTATE classes that are about the data, not the server: 22 data exception (22P05: text
 * jsonb cannot hold, such as a NUL character), 23 integrity constraint, 54 program limit
 * exceeded (a value too large). Connection (08), resources (53), operator intervention (57),
 * rollbacks (40) and an InternalError without a SQLSTATE (PostgreSQL unreachable) are transient.
 */
const SQLSTATE_PERMANENT_CLASSES = new Set(['22', '23', '54']);

/** Error labels the driver puts on failures that a retry can fix. */
const MONGO_TRANSIENT_LABELS = ['RetryableWriteError', 'ResetPool', 'TransientTransactionError', 'NetworkError', 'PoolRequestedRetry'];

/** Programming mistakes: thrown the same way each time the same record comes. */
const BUG_CLASSES: readonly (new (...args: never[]) => Error)[] = [TypeError, RangeError, ReferenceError, SyntaxError, URIError];

export function classifyFailure(err: unknown): Classified {
  if (err instanceof AppError) return { kind: err.retriable ? 'transient' : 'permanent', code: err.code };
  if (err instanceof MongoError) return classifyMongo(err);
  if (isKafkaClientError(err)) {
    // The Kafka client's errors are about the connection or the transaction, never about one
    // input record (an output too large is caught when it is encoded, see the runtime's seal).
    return { kind: 'transient', code: `KAFKA_${kafkaCode(err)}` };
  }
  if (isNetworkError(err)) return { kind: 'transient', code: systemCode(err) };
  const flag = (err as { retriable?: unknown } | null)?.retriable;
  if (typeof flag === 'boolean') return { kind: flag ? 'transient' : 'permanent', code: codeOf(err) };
  if (BUG_CLASSES.some((cls) => err instanceof cls)) return { kind: 'permanent', code: `BUG_${(err as Error).name}` };
  // Anything else that throws on a record (a processor's own invariant, a library refusing a
  // value) would throw again on every attempt: retrying forever would stall the partition.
  return { kind: 'permanent', code: codeOf(err) };
}

export const isTransient = (err: unknown): boolean => classifyFailure(err).kind === 'transient';

function classifyMongo(err: MongoError): Classified {
  if (MONGO_TRANSIENT_LABELS.some((label) => err.hasErrorLabel(label))) return { kind: 'transient', code: `MONGO_${err.name}` };
  if (!(err instanceof MongoServerError)) {
    // Driver-side: network, server selection, a closed pool or topology. A BSON serialization
    // failure is not a MongoError (it is a BSONError or a RangeError) and is classified as a bug.
    return { kind: 'transient', code: `MONGO_${err.name}` };
  }
  const code = typeof err.code === 'number' ? err.code : Number(err.code);
  if (code === FERRETDB_INTERNAL) {
    const sqlstate = SQLSTATE.exec(err.message)?.[1];
    if (sqlstate && SQLSTATE_PERMANENT_CLASSES.has(sqlstate.slice(0, 2))) return { kind: 'permanent', code: `SQLSTATE_${sqlstate}` };
    return { kind: 'transient', code: sqlstate ? `SQLSTATE_${sqlstate}` : 'MONGO_InternalError' };
  }
  const permanent = MONGO_PERMANENT.get(code);
  if (permanent) return { kind: 'permanent', code: `MONGO_${permanent}` };
  return { kind: 'transient', code: `MONGO_${Number.isFinite(code) ? code : err.name}` };
}

function isKafkaClientError(err: unknown): boolean {
  // @confluentinc/kafka-javascript's KafkaJSError family, and librdkafka's LibrdKafkaError.
  if (err instanceof Error && KafkaJS.isKafkaJSError(err)) return true;
  return (err as { name?: unknown } | null)?.name === 'LibrdKafkaError';
}

function kafkaCode(err: unknown): string {
  const { type, code } = err as { type?: unknown; code?: unknown };
  if (typeof type === 'string' && type) return type;
  return typeof code === 'number' || typeof code === 'string' ? String(code) : 'ERROR';
}

/** Node's socket and DNS errors, fetch's, and timeouts, directly or as the cause. */
function isNetworkError(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const { code, name, syscall, cause } = err as { code?: unknown; name?: unknown; syscall?: unknown; cause?: unknown };
  if (typeof syscall === 'string') return true;
  if (typeof code === 'string' && (/^E[A-Z]+$/.test(code) || code.startsWith('UND_ERR_'))) return true;
  if (name === 'TimeoutError' || name === 'AbortError') return true;
  return isNetworkError(cause, depth + 1);
}

function systemCode(err: unknown, depth = 0): string {
  const { code, name, cause } = (err ?? {}) as { code?: unknown; name?: unknown; cause?: unknown };
  if (typeof code === 'string' && code) return code;
  if (cause && depth < 3) return systemCode(cause, depth + 1);
  return typeof name === 'string' && name ? name : 'NETWORK';
}

/** The error's own string code, else its class name. */
export function codeOf(err: unknown): string {
  if (err && typeof err === 'object') {
    const { code, name } = err as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && code) return code;
    if (typeof name === 'string' && name) return name;
  }
  return 'UNKNOWN';
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
