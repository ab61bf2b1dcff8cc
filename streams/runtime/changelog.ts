// State-store changelogs: each committed write becomes a record of a compacted topic (key = the
// store key, value = JSON, null = deleted), and an assigned partition's store is rebuilt from
// its changelog partition before any of its records is processed.
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { PartitionRangeReader, type PartitionRange } from '../../platform/range-reader.js';
import type { PartitionStore, StoreChange } from './state-store.js';

export interface ChangelogMessage {
  key: Buffer;
  value: Buffer | null;
  partition: number;
}

/** The changelog records of one store partition's transaction (values already JSON, see state-store.ts). */
export function changelogMessages(changes: StoreChange<string>[], partition: number): ChangelogMessage[] {
  return changes.map(([key, json]) => ({
    key: Buffer.from(key),
    value: json === undefined ? null : Buffer.from(json),
    partition,
  }));
}

export interface RestoreTarget {
  topic: string;
  partition: number;
  store: PartitionStore<unknown>;
}

export interface RestoreResult {
  records: number;
  ms: number;
}

/**
 * Reads changelog partitions into their stores (see PartitionRangeReader). It reads committed
 * records only (read_committed), and up to the high watermark taken when the restore begins: if
 * a crashed predecessor left a transaction open, the restore waits for it to commit or abort, so
 * no committed write is missed and no aborted one applied.
 */
export class ChangelogRestorer {
  private readonly reader: PartitionRangeReader;

  constructor(
    brokers: string[],
    groupId: string,
    private readonly admin: KafkaJS.Admin,
    private readonly logger: Logger,
  ) {
    this.reader = new PartitionRangeReader({ brokers, groupId });
  }

  connect(): Promise<void> {
    return this.reader.connect();
  }

  disconnect(): Promise<void> {
    return this.reader.disconnect();
  }

  async restore(targets: RestoreTarget[], signal?: AbortSignal): Promise<RestoreResult> {
    const started = performance.now();
    const ends = await this.endOffsets([...new Set(targets.map((t) => t.topic))]);
    const stores = new Map<string, PartitionStore<unknown>>();
    const ranges: PartitionRange[] = [];
    for (const { topic, partition, store } of targets) {
      const { low, high } = ends.get(`${topic}/${partition}`) ?? { low: 0, high: 0 };
      if (high <= low) continue;
      stores.set(`${topic}/${partition}`, store);
      ranges.push({ topic, partition, from: 'beginning', end: high });
    }
    const records = await this.reader.read(
      ranges,
      (message) => {
        const key = typeof message.key === 'string' ? message.key : (message.key?.toString() ?? '');
        // Kept as the record's JSON: the store holds values encoded (state-store.ts).
        stores.get(`${message.topic}/${message.partition}`)!.restoreEncoded(key, message.value ? message.value.toString() : undefined);
      },
      signal,
    );
    const ms = performance.now() - started;
    if (records > 0) this.logger.info({ records, ms: Math.round(ms), partitions: targets.length }, 'restored state stores');
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
}
