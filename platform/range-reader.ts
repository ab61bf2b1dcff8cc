// Reads ranges of partitions once, start to end, with a consumer that is assigned partitions
// directly (no group, never commits): state-store restores read their changelogs this way, and
// the bridge replays a user's missed events from the log with it.
import { RdKafka } from '@confluentinc/kafka-javascript';
import { kafkaSecurity } from './kafka-security.js';

export interface PartitionRange {
  topic: string;
  partition: number;
  /** First offset to read; 'beginning' is wherever retention or compaction left the log start. */
  from: number | 'beginning';
  /** Stop once the position reaches this offset (exclusive): usually the high watermark. */
  end: number;
}

const BEGINNING = -2; // RD_KAFKA_OFFSET_BEGINNING

export interface RangeReaderOptions {
  brokers: string[];
  /** librdkafka needs one even without subscribing; it is never joined or committed to. */
  groupId: string;
  /** read_committed (default) skips aborted records and waits for open transactions to finish. */
  readUncommitted?: boolean;
  /**
   * A `from` below the log start (deleted by retention meanwhile): 'earliest' (default) reads
   * from the log start; 'error' fails the read, for readers that must not skip silently.
   */
  outOfRange?: 'earliest' | 'error';
}

export class PartitionRangeReader {
  private readonly consumer: RdKafka.KafkaConsumer;

  constructor(options: RangeReaderOptions) {
    this.consumer = new RdKafka.KafkaConsumer(
      {
        'bootstrap.servers': options.brokers.join(','),
        ...kafkaSecurity(),
        'group.id': options.groupId,
        'enable.auto.commit': false,
        'isolation.level': options.readUncommitted ? 'read_uncommitted' : 'read_committed',
        'fetch.max.bytes': 64 * 1024 * 1024,
        'fetch.wait.max.ms': 50,
        'max.partition.fetch.bytes': 16 * 1024 * 1024,
      },
      { 'auto.offset.reset': options.outOfRange ?? 'earliest' },
    );
    this.consumer.setDefaultConsumeTimeout(PartitionRangeReader.CONSUME_WAIT_MS);
  }

  /** consume(n) waits until n records or this timeout: keep it short near a partition's end. */
  private static readonly CONSUME_WAIT_MS = 100;

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(asError(err)) : resolve()));
    });
  }

  disconnect(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.consumer.isConnected()) return resolve();
      this.consumer.disconnect(() => resolve());
    });
  }

  /** The log start and high watermark of a partition. */
  watermarks(topic: string, partition: number): Promise<{ low: number; high: number }> {
    return new Promise((resolve, reject) => {
      this.consumer.queryWatermarkOffsets(topic, partition, 5000, (err, offsets) =>
        err ? reject(asError(err)) : resolve({ low: Number(offsets.lowOffset), high: Number(offsets.highOffset) }),
      );
    });
  }

  /**
   * Calls `onMessage` for every record of the ranges, in offset order per partition. One read
   * at a time: callers serialize (the consumer's assignment is the read's state).
   */
  async read(ranges: PartitionRange[], onMessage: (message: RdKafka.Message) => void, signal?: AbortSignal): Promise<number> {
    const pending = new Map<string, PartitionRange>();
    for (const range of ranges) if (range.from === 'beginning' || range.from < range.end) pending.set(`${range.topic}/${range.partition}`, range);
    if (pending.size === 0) return 0;
    let records = 0;
    this.consumer.assign([...pending.values()].map(({ topic, partition, from }) => ({ topic, partition, offset: from === 'beginning' ? BEGINNING : from })));
    try {
      while (pending.size > 0) {
        if (signal?.aborted) throw new Error('read interrupted');
        for (const message of await this.consume(10_000)) {
          const range = pending.get(`${message.topic}/${message.partition}`);
          if (!range || message.offset >= range.end) continue;
          onMessage(message);
          records++;
        }
        // The position moves past aborted records and transaction markers too, which are
        // never delivered, so it, not the last record's offset, says when a partition is done.
        for (const { topic, partition, offset } of this.consumer.position([...pending.values()])) {
          const key = `${topic}/${partition}`;
          if (offset >= (pending.get(key)?.end ?? Infinity)) pending.delete(key);
        }
      }
    } finally {
      this.consumer.unassign();
    }
    return records;
  }

  private consume(max: number): Promise<RdKafka.Message[]> {
    return new Promise((resolve, reject) => {
      this.consumer.consume(max, (err, messages) => (err ? reject(asError(err)) : resolve(messages)));
    });
  }
}

/** librdkafka's callback errors are plain objects with a message and a code. */
export function asError(err: RdKafka.LibrdKafkaError): Error {
  return err instanceof Error ? err : Object.assign(new Error(err.message), { code: err.code });
}
