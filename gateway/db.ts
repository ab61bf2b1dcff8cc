// The gateway's MongoDB collections and the one rule for driver failures: an unreachable or
// failing database is an outage (503, the client may retry), not a client mistake.
import { MongoError, type Db } from 'mongodb';
import { ServiceUnavailableError } from './errors.js';

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

/** Runs a database call; a driver error becomes a 503 carrying the cause. */
export async function db<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof MongoError) throw new ServiceUnavailableError(`the database is unavailable (${what})`, { cause: err });
    throw err;
  }
}

/** Indexes the gateway's own collections need; idempotent, run at start-up. */
export async function ensureGatewayIndexes(database: Db): Promise<void> {
  await database.collection(COLLECTIONS.outbox).createIndex({ seq: 1 }, { unique: true, name: 'seq_unique' });
  await database.collection(COLLECTIONS.idempotency).createIndex({ createdAt: 1 }, { name: 'createdAt' });
}
