// Idempotency-Key: the first answer to a write is stored (MongoDB, so it survives a gateway
// restart) and returned, status and body, to every retry with the same key, which produces
// nothing new. A retry while the first request is still running gets 409; the same key with a
// different request gets 422.
import { createHash } from 'node:crypto';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { COLLECTIONS, db } from './db.js';
import { ConflictError, errorBody, HttpError, UnprocessableError, ValidationError } from './errors.js';
import { userIdOf, type GatewayMiddleware } from './http/state.js';

export interface StoredResponse {
  status: number;
  /** JSON text of the body, or null for an empty one. */
  body: string | null;
  headers: Record<string, string>;
}

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' };

export interface IdempotencyStore {
  claim(id: string, fingerprint: string, now: Date): Promise<Claim>;
  complete(id: string, response: StoredResponse): Promise<void>;
  /** Gives the key back (the request failed without an answer worth keeping). */
  release(id: string): Promise<void>;
  purgeOlderThan(date: Date): Promise<number>;
}

interface IdempotencyDoc {
  _id: string;
  fingerprint: string;
  state: 'in_flight' | 'done';
  createdAt: Date;
  response?: StoredResponse;
}

/** After this, an in-flight claim is assumed abandoned (its gateway died) and may be taken over. */
const IN_FLIGHT_LEASE_MS = 60_000;

export function mongoIdempotencyStore(database: Db): IdempotencyStore {
  const records: Collection<IdempotencyDoc> = database.collection<IdempotencyDoc>(COLLECTIONS.idempotency);

  const claim = async (id: string, fingerprint: string, now: Date, attempt = 0): Promise<Claim> => {
    try {
      await records.insertOne({ _id: id, fingerprint, state: 'in_flight', createdAt: now });
      return { kind: 'claimed' };
    } catch (err) {
      if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
    }
    const doc = await records.findOne({ _id: id });
    if (!doc) return attempt < 2 ? claim(id, fingerprint, now, attempt + 1) : { kind: 'in_flight' };
    if (doc.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (doc.state === 'done' && doc.response) return { kind: 'replay', response: doc.response };
    if (now.getTime() - doc.createdAt.getTime() > IN_FLIGHT_LEASE_MS) {
      const taken = await records.updateOne({ _id: id, state: 'in_flight', createdAt: doc.createdAt }, { $set: { createdAt: now } });
      if (taken.modifiedCount === 1) return { kind: 'claimed' };
    }
    return { kind: 'in_flight' };
  };

  return {
    claim: (id, fingerprint, now) => db('idempotency claim', () => claim(id, fingerprint, now)),
    async complete(id, response) {
      await db('idempotency store', () => records.updateOne({ _id: id }, { $set: { state: 'done', response } }));
    },
    async release(id) {
      await db('idempotency release', () => records.deleteOne({ _id: id, state: 'in_flight' }));
    },
    async purgeOlderThan(date) {
      const result = await records.deleteMany({ createdAt: { $lt: date } });
      return result.deletedCount;
    },
  };
}

const KEY = /^[\x21-\x7e]{1,255}$/;
/** Response headers worth replaying: what a client reads after a write. */
const REPLAYED_HEADERS = ['etag', 'location', 'preference-applied'];

export function idempotency(store: IdempotencyStore, clock: () => number = Date.now): GatewayMiddleware {
  return async (ctx, next) => {
    const key = ctx.get('idempotency-key');
    if (!key) {
      await next();
      return;
    }
    if (!KEY.test(key)) {
      throw new ValidationError('Idempotency-Key must be 1-255 visible ASCII characters', { details: [] }, 'INVALID_IDEMPOTENCY_KEY');
    }
    const id = `${userIdOf(ctx)}:${key}`;
    const fingerprint = createHash('sha256')
      .update(`${ctx.method} ${ctx.path}\n${ctx.get('if-match')}\n${ctx.state.rawBody ?? ''}`)
      .digest('base64url');
    const claim = await store.claim(id, fingerprint, new Date(clock()));
    if (claim.kind === 'mismatch') {
      throw new UnprocessableError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
    }
    if (claim.kind === 'in_flight') {
      throw new ConflictError('IDEMPOTENCY_IN_PROGRESS', 'a request with this Idempotency-Key is still being processed; retry later', {
        headers: { 'Retry-After': '1' },
      });
    }
    if (claim.kind === 'replay') {
      const { status, body, headers } = claim.response;
      ctx.status = status;
      for (const [name, value] of Object.entries(headers)) ctx.set(name, value);
      ctx.set('Idempotent-Replayed', 'true');
      if (body !== null) ctx.body = JSON.parse(body) as unknown;
      return;
    }

    let response: StoredResponse;
    try {
      await next();
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = ctx.response.get(name);
        if (value) headers[name] = value;
      }
      response = { status: ctx.status, body: ctx.body == null ? null : JSON.stringify(ctx.body), headers };
    } catch (err) {
      // A refusal (4xx) is the first answer too; an outage or a bug frees the key for a retry.
      if (err instanceof HttpError && err.status < 500) {
        await store.complete(id, { status: err.status, body: JSON.stringify(errorBody(err.code, err.message, err.details)), headers: {} }).catch(
          (storeErr: unknown) => ctx.state.log.error({ err: storeErr }, 'could not store the idempotent answer'),
        );
      } else {
        await store.release(id).catch((releaseErr: unknown) => ctx.state.log.error({ err: releaseErr }, 'could not release an idempotency key'));
      }
      throw err;
    }
    try {
      await store.complete(id, response);
    } catch (err) {
      // The write happened; answering it matters more than the stored copy. A retry within the
      // lease gets 409, after it the request runs again (consumers dedupe by event id).
      ctx.state.log.error({ err }, 'could not store the idempotent answer');
    }
  };
}
