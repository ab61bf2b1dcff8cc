// The gateway's MongoDB collections and the one rule for driver failures, from the codebase's
// classification (platform/errors.ts): an unreachable or failing database is an outage (503,
// the client may retry); a refusal for good (a document or query the store cannot take) means
// validation at the door let something through, which is our bug (500), never a 503 that
// invites the same request again.
import { MongoError, type Db } from 'mongodb';
import { classifyFailure } from '../platform/index.js';
import { ServiceUnavailableError } from '../platform/http-errors.js';

export const COLLECTIONS = {
  /** Owned by the task-view processor; read here. */
  tasks: 'tasks',
  /** Owned by the settings-view processor; read here. */
  settings: 'settings',
  /** Owned by the gateway: first answers of Idempotency-Key writes. */
  idempotency: 'idempotency',
  /** Owned by the gateway: events waiting for the broker. */
  outbox: 'outbox',
} as const;

/** Runs a database call; a transient driver error becomes a 503 carrying the cause. */
export async function db<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof MongoError && classifyFailure(err).kind === 'transient') {
      throw new ServiceUnavailableError(`the database is unavailable (${what})`, { cause: err });
    }
    throw err;
  }
}

/** Indexes the gateway's own collections need; idempotent, run at start-up. */
export async function ensureGatewayIndexes(database: Db): Promise<void> {
  await database.collection(COLLECTIONS.outbox).createIndex({ seq: 1 }, { unique: true, name: 'seq_unique' });
  await database.collection(COLLECTIONS.idempotency).createIndex({ createdAt: 1 }, { name: 'createdAt' });
}
