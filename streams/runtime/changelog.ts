// State-store changelogs: each committed write becomes a record of a compacted topic (key = the
// store key, value = JSON, null = deleted), and an assigned partition's store is rebuilt from
// its changelog partition before any of its records is processed.
import { KafkaJS, RdKafka } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { MemoryStore, StoreChange } from './state-store.js';

export interface ChangelogMessage {
  key: Buffer;
  value: Buffer | null;
  partition: number;
}

/** The changelog records of one store partition's transaction. */
export function changelogMessages(changes: StoreChange[], partition: number): ChangelogMessage[] {
  return changes.map(([key, value]) => ({
    key: Buffer.from(key),
    value: value === undefined ? null : Buffer.from(JSON.stringify(value)),
    partition,
  }));
}

export interface RestoreTarget {
  topic: string;
  partition: number;
  store: MemoryStore<unknown>;
}

export interface RestoreResult {
  records: number;
  ms: number;
}

const BEGINNING = -2; // RD_KAFKA_OFFSET_BEGINNING: the log start, wherever compaction left it

/**
 * Reads changelog partitions into their stores with a consumer that is assigned partitions
 * directly (no group, never commits). It reads committed records only (read_committed), and up
 * to the high watermark taken when the restore begins: if a crashed predecessor left a
 * transaction open, the restore waits for it to commit or abort, so no committed write is missed
 * and no aborted one applied.
 */
export class ChangelogRestorer {
  private readonly consumer: RdKafka.KafkaConsumer;

  constructor(
    brokers: string[],
    groupId: string,
    private readonly admin: KafkaJS.Admin,
    private readonly logger: Logger,
  ) {
    this.consumer = new RdKafka.KafkaConsumer(
      {
        'bootstrap.servers': brokers.join(','),
        'group.id': groupId,
        'enable.auto.commit': false,
        'isolation.level': 'read_committed',
        'fetch.max.bytes': 64 * 1024 * 1024,
        'fetch.wait.max.ms': 50,
        'max.partition.fetch.bytes': 16 * 1024 * 1024,
      },
      { 'auto.offset.reset': 'earliest' },
    );
    this.consumer.setDefaultConsumeTimeout(ChangelogRestorer.CONSUME_WAIT_MS);
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(asError(err)) : resolve()));
    });
  }

  /** consume(n) waits until n records or this timeout: keep it short near a partition's end. */
  private static readonly CONSUME_WAIT_MS = 100;

  disconnect(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.consumer.isConnected()) return resolve();
      this.consumer.disconnect(() => resolve());
    });
  }

  async restore(targets: RestoreTarget[], signal?: AbortSignal): Promise<RestoreResult> {
    const started = performance.now();
    const ends = await this.endOffsets([...new Set(targets.map((t) => t.topic))]);
    const pending = new Map<string, RestoreTarget & { end: number }>();
    for (const target of targets) {
      const { low, high } = ends.get(`${target.topic}/${target.partition}`) ?? { low: 0, high: 0 };
      if (high > low) pending.set(`${target.topic}/${target.partition}`, { ...target, end: high });
    }
    let records = 0;
    if (pending.size === 0) return { records, ms: performance.now() - started };
    this.consumer.assign([...pending.values()].map(({ topic, partition }) => ({ topic, partition, offset: BEGINNING })));
    try {
      while (pending.size > 0) {
        if (signal?.aborted) throw new Error('restore interrupted by shutdown');
        for (const message of await this.consume(10_000)) {
          const target = pending.get(`${message.topic}/${message.partition}`);
          if (!target) continue;
          const key = typeof message.key === 'string' ? message.key : (message.key?.toString() ?? '');
          target.store.restore(key, message.value ? (JSON.parse(message.value.toString()) as unknown) : undefined);
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
    const ms = performance.now() - started;
    this.logger.info({ records, ms: Math.round(ms), partitions: targets.length }, 'restored state stores');
    return { records, ms };
  }

  private async endOffsets(topics: string[]): Promise<Map<string, { low: number; high: number }>> {
    const ends = new Map<string, { low: number; high: number }>();
    for (const topic of topics) {
      const offsets = await this.admin.fetchTopicOffsets(topic, { isolationLevel: KafkaJS.IsolationLevel.READ_UNCOMMITTED });
      for (const { partition, low, high } of offsets) ends.set(`${topic}/${partition}`, { low: Number(low), high: Number(high) });
    }
    return ends;
  }

  private consume(max: number): Promise<RdKafka.Message[]> {
    return new Promise((resolve, reject) => {
      this.consumer.consume(max, (err, messages) => (err ? reject(asError(err)) : resolve(messages)));
    });
  }
}

/** librdkafka's callback errors are plain objects with a message and a code. */
function asError(err: RdKafka.LibrdKafkaError): Error {
  return err instanceof Error ? err : Object.assign(new Error(err.message), { code: err.code });
}
