// A consumer group's committed offsets, read through a consumer client, never the admin client.
//
// Why not admin.fetchOffsets(): when an OffsetFetch is answered NOT_COORDINATOR (a group whose
// coordinator is not loaded yet, the first time a fresh broker sees it, or a coordinator that
// moved in a broker failover), librdkafka 2.15 asks the client's consumer-group handle to find the
// coordinator again, and an admin client has no such handle: the process dies of SIGSEGV
// (confluentinc/confluent-kafka-javascript#374; rd_kafka_handle_OffsetFetch). A processor's lag
// watcher did exactly that on a fresh broker in CI. A consumer has the handle and re-queries.
//
// The lint rule in eslint.config.js keeps admin.fetchOffsets() out of the code.
import { KafkaJS } from '@confluentinc/kafka-javascript';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Committed offset per `topic/partition` (-1: nothing committed yet). */
export type CommittedOffsets = Map<string, number>;

export const partitionKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/**
 * The group's committed offsets of `partitions`, through `consumer`, which must be configured
 * with that group id (a member of it, or a connected consumer that never subscribes).
 * Rejects after `timeoutMs` rather than waiting forever for a coordinator.
 */
export async function committedOffsets(consumer: KafkaJS.Consumer, partitions: TopicPartition[], timeoutMs = 10_000): Promise<CommittedOffsets> {
  const offsets = await consumer.committed(partitions, timeoutMs);
  // Nothing committed comes back as a null offset (Number(null) would read it as offset 0).
  return new Map(offsets.map((p) => [partitionKey(p.topic, p.partition), p.offset === null || p.offset === undefined ? -1 : Number(p.offset)]));
}

/** Every partition of `topics`, from their offsets (a ListOffsets request: no coordinator). */
export async function partitionsOf(admin: KafkaJS.Admin, topics: string[]): Promise<TopicPartition[]> {
  const all: TopicPartition[] = [];
  for (const topic of topics) {
    for (const { partition } of await admin.fetchTopicOffsets(topic)) all.push({ topic, partition });
  }
  return all;
}

/**
 * The committed offsets of `groupId` on every partition of `topics`, for callers outside the
 * group (tests, tools): a consumer with that group id that connects but never subscribes, so it
 * never joins the group, never commits and never takes a partition from a member.
 */
export async function readGroupOffsets(kafka: KafkaJS.Kafka, groupId: string, topics: string[], timeoutMs = 10_000): Promise<CommittedOffsets> {
  const admin = kafka.admin();
  const consumer = kafka.consumer({ kafkaJS: { groupId, autoCommit: false } });
  await admin.connect();
  try {
    const partitions = await partitionsOf(admin, topics);
    await consumer.connect();
    try {
      return await committedOffsets(consumer, partitions, timeoutMs);
    } finally {
      await consumer.disconnect();
    }
  } finally {
    await admin.disconnect();
  }
}
