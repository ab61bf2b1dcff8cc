// The topics a processor owns besides its inputs and outputs: a compacted changelog per state
// store and a dead-letter topic per input, created at start-up when missing (creating an
// existing topic is a no-op). Inputs must exist already: they are the contract's, created with
// the schemas (`todo-schemas register`), and a processor must not invent them.
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { TopicNames } from './config.js';
import type { Processor } from './types.js';

export interface TopicLayout {
  /** Physical input topic -> logical name. */
  inputs: Map<string, Processor['inputs'][number]>;
  /** Store name -> changelog topic. */
  changelogs: Map<string, string>;
  partitions: number;
}

export async function ensureTopics(admin: KafkaJS.Admin, processor: Processor, names: TopicNames): Promise<TopicLayout> {
  const inputs = new Map(processor.inputs.map((logical) => [names.physical(logical), logical]));
  const metadata = await admin.fetchTopicMetadata({ topics: [...inputs.keys()] });
  const counts = new Set(metadata.map((t) => t.partitions.length));
  // A store partition holds the state of one partition number of every input: only
  // co-partitioned inputs (same count, same key) can share it.
  if (counts.size !== 1) {
    const found = metadata.map((t) => `${t.name}: ${t.partitions.length}`).join(', ');
    throw new Error(`inputs of ${processor.name} must have the same partition count (${found})`);
  }
  const partitions = metadata[0]!.partitions.length;
  const changelogs = new Map((processor.stores ?? []).map(({ name }) => [name, names.changelog(name)]));
  await admin.createTopics({
    topics: [
      ...[...changelogs.values()].map((topic) => ({
        topic,
        numPartitions: partitions,
        // Compaction keeps the latest value per key; tombstones go after a day.
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'min.compaction.lag.ms', value: '0' },
          { name: 'delete.retention.ms', value: String(24 * 3600 * 1000) },
        ],
      })),
      ...[...inputs.keys()].map((input) => ({
        topic: names.deadLetter(input),
        numPartitions: partitions,
        // Operators need time to notice and replay poison records.
        configEntries: [{ name: 'retention.ms', value: String(30 * 24 * 3600 * 1000) }],
      })),
    ],
  });
  return { inputs, changelogs, partitions };
}
