// Reads a whole topic once, from its first offset to the end offsets captured when the read
// begins: a consumer assigned every partition directly (no group membership, no commits),
// read_committed, so aborted records are never seen and a transaction still open at the start
// is waited for. The same approach as the runtime's changelog restore (streams/runtime/changelog.ts).
import { KafkaJS, RdKafka } from '@confluentinc/kafka-javascript';
import type { Position } from './fold.js';

export interface LogRecord {
  partition: number;
  offset: number;
  key: string;
  value: Buffer | null;
}

export interface LogReadResult {
  /** Per partition, the offset the read stopped at (exclusive): where a follower resumes. */
  ends: Position[];
  records: number;
}

export interface LogReaderOptions {
  brokers: string[];
  /** A name for the consumer; it never joins a group or commits. */
  clientId: string;
  /** Refuse a log whose start was deleted by retention (a rebuild would silently lose tasks). */
  requireFullLog?: boolean;
  signal?: AbortSignal;
}

const BEGINNING = -2;

export class TruncatedLogError extends Error {
  constructor(readonly topic: string, readonly partition: number, readonly low: number) {
    super(`${topic} partition ${partition} starts at offset ${low}: earlier events were deleted, so the log no longer holds the whole view`);
    this.name = 'TruncatedLogError';
  }
}

/** Calls `onBatch` with each batch of records, in offset order within a partition. */
export async function readWholeTopic(topic: string, options: LogReaderOptions, onBatch: (records: LogRecord[]) => Promise<void> | void): Promise<LogReadResult> {
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: options.brokers, logLevel: KafkaJS.logLevel.ERROR } });
  const admin = kafka.admin();
  await admin.connect();
  let offsets: { partition: number; low: string; high: string }[];
  try {
    // The high watermark, not the last stable offset: records of a transaction open now are
    // part of the log we promise to have read once it is decided.
    offsets = await admin.fetchTopicOffsets(topic, { isolationLevel: KafkaJS.IsolationLevel.READ_UNCOMMITTED });
  } finally {
    await admin.disconnect();
  }
  const ends: Position[] = offsets.map(({ partition, high }) => ({ partition, offset: Number(high) })).sort((a, b) => a.partition - b.partition);
  if (options.requireFullLog !== false) {
    const cut = offsets.find((o) => Number(o.low) > 0);
    if (cut) throw new TruncatedLogError(topic, cut.partition, Number(cut.low));
  }
  const pending = new Map(offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => [o.partition, Number(o.high)]));
  let records = 0;
  if (pending.size === 0) return { ends, records };

  const consumer = new RdKafka.KafkaConsumer(
    {
      'bootstrap.servers': options.brokers.join(','),
      'group.id': options.clientId,
      'enable.auto.commit': false,
      'isolation.level': 'read_committed',
      'fetch.wait.max.ms': 50,
      'fetch.max.bytes': 64 * 1024 * 1024,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(new Error(err.message)) : resolve())));
  try {
    consumer.setDefaultConsumeTimeout(100);
    consumer.assign([...pending.keys()].map((partition) => ({ topic, partition, offset: BEGINNING })));
    while (pending.size > 0) {
      if (options.signal?.aborted) throw new Error(`reading ${topic} interrupted`);
      const messages = await new Promise<RdKafka.Message[]>((resolve, reject) =>
        consumer.consume(5_000, (err, batch) => (err ? reject(new Error(err.message)) : resolve(batch))),
      );
      const batch: LogRecord[] = [];
      for (const m of messages) {
        const end = pending.get(m.partition);
        if (end === undefined || m.offset >= end) continue; // written after the read began
        batch.push({ partition: m.partition, offset: m.offset, key: typeof m.key === 'string' ? m.key : (m.key?.toString() ?? ''), value: m.value });
      }
      if (batch.length > 0) await onBatch(batch);
      records += batch.length;
      // The position moves past aborted records and transaction markers, which are never
      // delivered, so it, not the last record's offset, says when a partition is done.
      for (const { partition, offset } of consumer.position([...pending.keys()].map((partition) => ({ topic, partition })))) {
        if (offset >= (pending.get(partition) ?? Infinity)) pending.delete(partition);
      }
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return { ends, records };
}
