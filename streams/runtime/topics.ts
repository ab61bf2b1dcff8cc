// The topics a processor owns besides its inputs and outputs: a compacted changelog per state
// store and a dead-letter topic per input, created at start-up when missing (creating an
// existing topic is a no-op). Inputs must exist already: they are the contract's, created with
// the schemas (`todo-schemas register`), and a processor must not invent them.
//
// "Must exist" is judged with patience: a topic created a moment ago (by the schema Job racing the
// processors' start in a deploy, or on a broker that just restarted) can be unknown to the broker
// that answers the metadata request for a while. Unknown inputs are asked again until the
// start-up deadline, with a log line naming them, and only then is start-up failed.
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { isUnknownTopic, metadataOnceKnown } from '../../platform/known-topics.js';
import { changelogTopicConfig, configEntries, deadLetterTopicConfig, type TopicNames } from '../../platform/topic-names.js';
import type { ResolvedOptions } from './config.js';
import type { Processor } from './types.js';

export interface TopicLayout {
  /** Physical input topic -> logical name. */
  inputs: Map<string, Processor['inputs'][number]>;
  /** Store name -> changelog topic. */
  changelogs: Map<string, string>;
  partitions: number;
}

type StartOptions = Pick<ResolvedOptions, 'startTimeoutMs' | 'retryInitialMs' | 'retryMaxMs' | 'logger'>;

/** The inputs' metadata, asked again while the broker does not know one of them yet (platform/known-topics.ts). */
async function inputMetadata(admin: KafkaJS.Admin, topics: string[], options: StartOptions, signal?: AbortSignal) {
  try {
    return await metadataOnceKnown(admin, topics, {
      timeoutMs: options.startTimeoutMs,
      initialDelayMs: options.retryInitialMs,
      maxDelayMs: options.retryMaxMs,
      signal,
      onRetry: (attempt, delay) => options.logger.warn({ topics, attempt }, `an input topic is not known to the broker yet; asking again in ${delay} ms`),
    });
  } catch (err) {
    if (!isUnknownTopic(err)) throw err;
    throw new Error(`input topics not found: ${topics.join(', ')} (created with the schemas: todo-schemas register)`, { cause: err });
  }
}

export async function ensureTopics(admin: KafkaJS.Admin, processor: Processor, names: TopicNames, options: StartOptions, signal?: AbortSignal): Promise<TopicLayout> {
  const inputs = new Map(processor.inputs.map((logical) => [names.physical(logical), logical]));
  const metadata = await inputMetadata(admin, [...inputs.keys()], options, signal);
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
        configEntries: configEntries(changelogTopicConfig),
      })),
      ...[...inputs.keys()].map((input) => ({
        topic: names.deadLetter(input),
        numPartitions: partitions,
        configEntries: configEntries(deadLetterTopicConfig),
      })),
    ],
  });
  return { inputs, changelogs, partitions };
}
