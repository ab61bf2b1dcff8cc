// The durable outbox: events accepted while the broker was unreachable, in the order they were
// accepted, until the relay has had each one acked by the broker. MongoDB without transactions
// is enough: an entry is inserted once and deleted only after its ack, so a crash between the
// two at worst sends an event twice, which consumers absorb by its eventId.
import { Binary, MongoServerError, type Collection, type Db } from 'mongodb';
import { COLLECTIONS, db } from './db.js';

export interface OutgoingRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  eventId: string;
}

export interface OutboxEntry extends OutgoingRecord {
  seq: number;
}

interface OutboxDoc {
  _id: string; // eventId: the same event is never queued twice
  seq: number;
  topic: string;
  key: string;
  value: Binary;
  headers: Record<string, string>;
  createdAt: Date;
}

/** An outbox entry the broker refused for good, kept for an operator (never relayed again). */
export interface DeadOutboxDoc extends Omit<OutboxDoc, 'seq'> {
  seq: number;
  status: 'failed';
  code: string;
  reason: string;
  failedAt: Date;
}

interface LeaseDoc {
  _id: string;
  owner: string;
  until: Date;
}

export interface Outbox {
  append(record: OutgoingRecord): Promise<void>;
  /** The oldest entries, in order. */
  peek(limit: number): Promise<OutboxEntry[]>;
  remove(eventIds: string[]): Promise<void>;
  /**
   * Moves an entry the broker refused for good (too large, not authorized: see UNPRODUCIBLE in
   * publisher.ts) out of the way, into `outbox-dead` with why, so the entries behind it go on.
   */
  bury(entry: OutboxEntry, reason: { code: string; message: string }): Promise<void>;
  depth(): Promise<number>;
  /** Held by one relay at a time across gateway replicas, so entries leave in order, once. */
  acquireLease(owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(owner: string): Promise<void>;
}

/** Seconds since the oldest entry was queued, 0 when the outbox is empty: how stale the backlog is. */
export async function outboxOldestAgeSeconds(database: Db, now = Date.now()): Promise<number> {
  const oldest = await database
    .collection<OutboxDoc>(COLLECTIONS.outbox)
    .find({}, { projection: { createdAt: 1 } })
    .sort({ seq: 1 })
    .limit(1)
    .next();
  return oldest ? Math.max(0, (now - oldest.createdAt.getTime()) / 1000) : 0;
}

export interface MongoOutboxOptions {
  /** Wall clock for the sequence numbers (tests pin it to make two appends meet in one millisecond). */
  now?: () => number;
}

/** How often an append takes a fresh seq after another writer took its seq first. */
const SEQ_ATTEMPTS = 5;

export function mongoOutbox(database: Db, options: MongoOutboxOptions = {}): Outbox {
  const entries: Collection<OutboxDoc> = database.collection<OutboxDoc>(COLLECTIONS.outbox);
  const leases: Collection<LeaseDoc> = database.collection<LeaseDoc>(`${COLLECTIONS.outbox}-lease`);
  const dead: Collection<DeadOutboxDoc> = database.collection<DeadOutboxDoc>(`${COLLECTIONS.outbox}-dead`);
  const now = options.now ?? Date.now;
  let lastSeq = 0;
  let seeded: Promise<void> | null = null;

  /** The newest stored seq, read once per process (and again after another writer took a seq). */
  const seed = (): Promise<void> => {
    seeded ??= (async () => {
      const newest = await entries.find({}, { projection: { seq: 1 } }).sort({ seq: -1 }).limit(1).next();
      lastSeq = Math.max(lastSeq, newest?.seq ?? 0);
    })().catch((err: unknown) => {
      seeded = null;
      throw err;
    });
    return seeded;
  };

  // Strictly increasing within the process and above every entry already stored, and close to
  // wall-clock microseconds so entries of replicas interleave roughly by time. Allocated
  // synchronously once seeded, so concurrent appends can never draw the same number (they did:
  // two first appends each read the empty outbox, both took Date.now() * 1000, and the second
  // insert's duplicate seq was taken for "already queued" and dropped, after answering 202).
  const nextSeq = async (): Promise<number> => {
    await seed();
    lastSeq = Math.max(lastSeq + 1, now() * 1000);
    return lastSeq;
  };

  const insert = async (record: OutgoingRecord): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const doc: OutboxDoc = {
        _id: record.eventId,
        seq: await nextSeq(),
        topic: record.topic,
        key: record.key,
        value: new Binary(record.value),
        headers: record.headers,
        createdAt: new Date(now()),
      };
      try {
        await entries.insertOne(doc);
        return;
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
      }
      // A duplicate key is either this event already queued (a retried append after a lost
      // reply: the first copy keeps its place) or its seq taken by another replica. Only the
      // stored entry tells which; never assume the first, it drops an acknowledged event.
      if (await entries.findOne({ _id: record.eventId }, { projection: { _id: 1 } })) return;
      if (attempt >= SEQ_ATTEMPTS) throw new Error(`outbox: no free seq after ${attempt} attempts for event ${record.eventId}`);
      seeded = null;
    }
  };

  return {
    async append(record) {
      // The broker is away already: a database that fails too is an outage the client may
      // retry (503), not a bug.
      await db('queue the event in the outbox', () => insert(record));
    },
    async peek(limit) {
      const docs = await entries.find({}).sort({ seq: 1 }).limit(limit).toArray();
      return docs.map((d) => ({
        eventId: d._id,
        seq: d.seq,
        topic: d.topic,
        key: d.key,
        value: Buffer.from(d.value.buffer),
        headers: d.headers,
      }));
    },
    async remove(eventIds) {
      if (eventIds.length > 0) await entries.deleteMany({ _id: { $in: eventIds } });
    },
    async bury(entry, reason) {
      // Kept first, removed second: a crash between the two leaves it in both, and the next
      // relay buries it again (the upsert makes that a no-op).
      await dead.updateOne(
        { _id: entry.eventId },
        {
          $set: {
            seq: entry.seq, topic: entry.topic, key: entry.key, value: new Binary(entry.value), headers: entry.headers,
            createdAt: new Date(Math.floor(entry.seq / 1000)), status: 'failed', code: reason.code, reason: reason.message, failedAt: new Date(now()),
          },
        },
        { upsert: true },
      );
      await entries.deleteOne({ _id: entry.eventId });
    },
    depth() {
      return entries.countDocuments({});
    },
    async acquireLease(owner, ttlMs) {
      const now = new Date();
      try {
        await leases.findOneAndUpdate(
          { _id: 'relay', $or: [{ owner }, { until: { $lt: now } }] },
          { $set: { owner, until: new Date(now.getTime() + ttlMs) } },
          { upsert: true },
        );
        return true;
      } catch (err) {
        // The lease exists and is held by a live replica: the upsert collides with it.
        if (err instanceof MongoServerError && err.code === 11000) return false;
        throw err;
      }
    },
    async releaseLease(owner) {
      await leases.deleteOne({ _id: 'relay', owner });
    },
  };
}
