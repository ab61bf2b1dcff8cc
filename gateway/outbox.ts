// The durable outbox: events accepted while the broker was unreachable, in the order they were
// accepted, until the relay has had each one acked by the broker. MongoDB without transactions
// is enough: an entry is inserted once and deleted only after its ack, so a crash between the
// two at worst sends an event twice, which consumers absorb by its eventId.
import { Binary, MongoServerError, type Collection, type Db } from 'mongodb';
import { COLLECTIONS } from './db.js';

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
  depth(): Promise<number>;
  /** Held by one relay at a time across gateway replicas, so entries leave in order, once. */
  acquireLease(owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(owner: string): Promise<void>;
}

export function mongoOutbox(database: Db): Outbox {
  const entries: Collection<OutboxDoc> = database.collection<OutboxDoc>(COLLECTIONS.outbox);
  const leases: Collection<LeaseDoc> = database.collection<LeaseDoc>(`${COLLECTIONS.outbox}-lease`);
  let lastSeq = 0;

  // Monotonic within the process and above every entry already stored, and close to wall-clock
  // microseconds so entries of replicas interleave roughly by time.
  const nextSeq = async (): Promise<number> => {
    if (lastSeq === 0) {
      const newest = await entries.find({}, { projection: { seq: 1 } }).sort({ seq: -1 }).limit(1).next();
      lastSeq = newest?.seq ?? 0;
    }
    lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
    return lastSeq;
  };

  return {
    async append(record) {
      const doc: OutboxDoc = {
        _id: record.eventId,
        seq: await nextSeq(),
        topic: record.topic,
        key: record.key,
        value: new Binary(record.value),
        headers: record.headers,
        createdAt: new Date(),
      };
      try {
        await entries.insertOne(doc);
      } catch (err) {
        // Already queued (a retried append after a lost reply): the first copy keeps its place.
        if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
      }
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
