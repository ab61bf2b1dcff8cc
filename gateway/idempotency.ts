// Idempotency-Key: the first answer to a write is stored (MongoDB, so it survives a gateway
// restart) and returned, status and body, to every retry with the same key, which produces
// nothing new. A retry while the first request is still running gets 409; the same key with a
// different request gets 422.
//
// "Still running" is a lease held by the request: a short `leaseUntil` that the gateway running
// it renews while it runs. A gateway that dies (kill -9, a lost machine) stops renewing, so a
// retry is served a few seconds later instead of waiting out a long fixed timeout; a live request
// keeps its key however long it runs. Every change to a claim names its owner (one id per
// request), so a request whose lease was taken over cannot complete or release the new owner's.
import { createHash, randomUUID } from 'node:crypto';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { COLLECTIONS, db } from './db.js';
import { ConflictError, errorBody, HttpError, UnprocessableError, ValidationError } from '../platform/http-errors.js';
import { userIdOf, type GatewayMiddleware } from './http/state.js';

export interface StoredResponse {
  status: number;
  /** JSON text of the body, or null for an empty one. */
  body: string | null;
  headers: Record<string, string>;
}

export type Claim =
  | { kind: 'claimed'; owner: string; createdAt: Date }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' };

export interface IdempotencyStore {
  /** How long a claim stays held without renewal; `renew` is due well within it. */
  readonly leaseMs: number;
  claim(id: string, fingerprint: string, now: Date): Promise<Claim>;
  /** Extends the owner's lease; false when the claim is no longer this owner's. */
  renew(id: string, owner: string, now: Date): Promise<boolean>;
  complete(id: string, owner: string, response: StoredResponse): Promise<void>;
  /** Gives the key back (the request failed without an answer worth keeping). */
  release(id: string, owner: string): Promise<void>;
  purgeOlderThan(date: Date): Promise<number>;
}

interface IdempotencyDoc {
  _id: string;
  fingerprint: string;
  state: 'in_flight' | 'done';
  createdAt: Date;
  /** The request holding an in-flight claim, and until when without renewal. */
  owner?: string;
  leaseUntil?: Date;
  response?: StoredResponse;
}

/** Without renewal for this long, an in-flight claim is taken to be abandoned (its gateway died). */
export const IN_FLIGHT_LEASE_MS = 5000;
/** Claims written before leases were renewed (no leaseUntil) keep their old fixed timeout. */
const LEGACY_LEASE_MS = 60_000;

export function mongoIdempotencyStore(database: Db, { leaseMs = IN_FLIGHT_LEASE_MS } = {}): IdempotencyStore {
  const records: Collection<IdempotencyDoc> = database.collection<IdempotencyDoc>(COLLECTIONS.idempotency);
  const until = (now: Date) => new Date(now.getTime() + leaseMs);

  const claim = async (id: string, fingerprint: string, now: Date, attempt = 0): Promise<Claim> => {
    const owner = randomUUID();
    try {
      await records.insertOne({ _id: id, fingerprint, state: 'in_flight', createdAt: now, owner, leaseUntil: until(now) });
      return { kind: 'claimed', owner, createdAt: now };
    } catch (err) {
      if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
    }
    const doc = await records.findOne({ _id: id });
    if (!doc) return attempt < 2 ? claim(id, fingerprint, now, attempt + 1) : { kind: 'in_flight' };
    if (doc.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (doc.state === 'done' && doc.response) return { kind: 'replay', response: doc.response };
    const expires = doc.leaseUntil ?? new Date(doc.createdAt.getTime() + LEGACY_LEASE_MS);
    if (expires.getTime() < now.getTime()) {
      // Taken over only if nobody renewed or took it since we read it: of two retries racing
      // here, one wins.
      const taken = await records.updateOne(
        { _id: id, state: 'in_flight', owner: doc.owner ?? { $exists: false }, leaseUntil: doc.leaseUntil ?? { $exists: false } },
        { $set: { owner, leaseUntil: until(now) } },
      );
      if (taken.modifiedCount === 1) return { kind: 'claimed', owner, createdAt: doc.createdAt };
    }
    return { kind: 'in_flight' };
  };

  return {
    leaseMs,
    claim: (id, fingerprint, now) => db('idempotency claim', () => claim(id, fingerprint, now)),
    async renew(id, owner, now) {
      const renewed = await db('idempotency lease', () => records.updateOne({ _id: id, state: 'in_flight', owner }, { $set: { leaseUntil: until(now) } }));
      return renewed.matchedCount === 1;
    },
    async complete(id, owner, response) {
      const done = await db('idempotency store', () =>
        records.updateOne({ _id: id, state: 'in_flight', owner }, { $set: { state: 'done', response }, $unset: { owner: '', leaseUntil: '' } }),
      );
      if (done.matchedCount === 0) throw new Error('the idempotency claim was taken over while the request ran (its lease was not renewed in time)');
    },
    async release(id, owner) {
      await db('idempotency release', () => records.deleteOne({ _id: id, state: 'in_flight', owner }));
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
    // Absent: no idempotency asked for. Present but empty is a client's mistake, not absence.
    if (!key && ctx.headers['idempotency-key'] === undefined) {
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

    const { owner } = claim;
    // A retry that takes over the claim of a request whose gateway died (after producing, before
    // answering) makes the same ids, so its event repeats the first one's and every consumer's
    // dedup by event id absorbs it. Seeded by the claim, not the key alone: a key reused once its
    // claim was released or purged is a new request.
    ctx.state.idSeed = createHash('sha256').update(`${id}\n${claim.createdAt.getTime()}`).digest('base64url');
    const lease = holdLease(store, id, owner, clock, ctx.state.log);
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
      lease.stop();
      if (err instanceof HttpError && err.status < 500) {
        await store.complete(id, owner, { status: err.status, body: JSON.stringify(errorBody(err.code, err.message, err.details)), headers: {} }).catch(
          (storeErr: unknown) => ctx.state.log.error({ err: storeErr }, 'could not store the idempotent answer'),
        );
      } else {
        await store.release(id, owner).catch((releaseErr: unknown) => ctx.state.log.error({ err: releaseErr }, 'could not release an idempotency key'));
      }
      throw err;
    }
    lease.stop();
    try {
      await store.complete(id, owner, response);
    } catch (err) {
      // The write happened; answering it matters more than the stored copy. A retry within the
      // lease (seconds) gets 409, after it the request runs again (consumers dedupe by event id).
      ctx.state.log.error({ err }, 'could not store the idempotent answer');
    }
  };
}

/**
 * Renews the request's claim every third of the lease until stopped. A renewal that fails (the
 * database is away) is tried again at the next tick; one that finds the claim gone is logged:
 * the lease ran out (the process stalled for longer than the lease), and a retry may run too.
 */
function holdLease(store: IdempotencyStore, id: string, owner: string, clock: () => number, log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void }) {
  let lost = false;
  let stopped = false;
  const timer = setInterval(() => {
    store.renew(id, owner, new Date(clock())).then(
      (held) => {
        // After stop the claim is completed or released: not finding it is expected.
        if (!held && !lost && !stopped) {
          lost = true;
          log.error({ idempotencyKey: id }, 'the Idempotency-Key lease was lost while the request ran');
        }
      },
      (err: unknown) => log.warn({ err, idempotencyKey: id }, 'could not renew an Idempotency-Key lease; retrying'),
    );
  }, Math.max(100, Math.floor(store.leaseMs / 3)));
  timer.unref();
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
