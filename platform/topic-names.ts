// The physical names of what a processor owns besides the contract's topics (its consumer group,
// transactional ids, a compacted changelog per state store, a dead-letter topic per input) and
// the configs those topics are created with. Shared by the streams runtime, which creates them at
// start-up, the schema CLI, which creates the dead-letter topics of the contract's topics, and the
// access table (kafka-access.ts), from which the Strimzi KafkaTopics are generated: one source,
// so a topic is the same wherever it is made.
import { contractFor, type EventTopic } from '../contracts/avro/catalog.js';

/** Compaction keeps the latest value per key; tombstones go after a day. */
export const changelogTopicConfig: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
  'min.compaction.lag.ms': '0',
  'delete.retention.ms': String(24 * 3600 * 1000),
};

/** Operators need time to notice and replay poison records: 30 days. */
export const deadLetterTopicConfig: Readonly<Record<string, string>> = { 'retention.ms': String(30 * 24 * 3600 * 1000) };

/** Where poison records of a physical topic go. */
export const deadLetterTopic = (physicalTopic: string): string => `dlq.${physicalTopic}`;

export interface TopicToCreate {
  topic: string;
  partitions: number;
  config: Readonly<Record<string, string>>;
  role: 'event' | 'dead-letter';
}

/**
 * The contract's topics and a dead-letter topic for each, as every creator makes them (the schema
 * CLI, the access table the Strimzi KafkaTopics come from): a dead-letter topic keeps the dead
 * letters' retention, not its source's.
 */
export function withDeadLetters(contracts: readonly { topic: string; partitions: number; config: Readonly<Record<string, string>> }[]): TopicToCreate[] {
  return [
    ...contracts.map(({ topic, partitions, config }) => ({ topic, partitions, config, role: 'event' as const })),
    ...contracts.map(({ topic, partitions }) => ({ topic: deadLetterTopic(topic), partitions, config: deadLetterTopicConfig, role: 'dead-letter' as const })),
  ];
}

/** A topic config as the admin client's createTopics takes it. */
export const configEntries = (config: Readonly<Record<string, string>>): { name: string; value: string }[] =>
  Object.entries(config).map(([name, value]) => ({ name, value }));

/**
 * The physical names of everything a processor reads and writes, and of its consumer group and
 * transactional ids: all behind TOPIC_PREFIX, so prefixed runs (tests, tenants) share nothing.
 */
export class TopicNames {
  constructor(
    private readonly processorName: string,
    private readonly prefix: string,
  ) {}

  get group(): string {
    return `${this.prefix}${this.processorName}`;
  }

  transactionalId(instanceId: string, slot: number): string {
    return `${this.group}-${instanceId}-${slot}`;
  }

  physical(topic: EventTopic): string {
    return contractFor(topic, this.prefix).topic;
  }

  /** Compacted; partition p holds the store's entries for input partition p. */
  changelog(store: string): string {
    return `${this.prefix}${this.processorName}-${store}-changelog`;
  }

  /** Where poison records of a physical topic go. */
  deadLetter(physicalTopic: string): string {
    return deadLetterTopic(physicalTopic);
  }
}
