// The runtime's options, their defaults, and the names it derives from a processor: physical
// topics behind TOPIC_PREFIX, changelog and dead-letter topics, transactional ids.
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { contractFor, defaultTopicPrefix, type EventTopic } from '../../schemas/catalog.js';
import type { EventSerde } from '../../schemas/serde.js';

export interface StreamsOptions {
  /** Default: KAFKA_BROKERS, else localhost:9092. */
  brokers?: string[];
  /** Default: SCHEMA_REGISTRY_URL, else the local registry; ignored when `serde` is given. */
  schemaRegistryUrl?: string;
  serde?: EventSerde;
  /** Default: TOPIC_PREFIX, else ''. */
  topicPrefix?: string;
  /**
   * Names this process in transactional ids. Keep it stable across restarts of the same replica
   * (a StatefulSet pod name) so a restarted process fences its dead predecessor's open
   * transaction at once instead of waiting for it to time out. Default: STREAMS_INSTANCE_ID,
   * else random. Two live processes must never share one.
   */
  instanceId?: string;
  /**
   * Static group membership (group.instance.id = group + instance id): a restarted replica takes
   * its partitions back at once instead of the group waiting out the dead member's session.
   * Default: on when the instance id is stable (given here or by STREAMS_INSTANCE_ID). The price:
   * a static member that stops for good keeps its partitions until its session times out.
   */
  staticMembership?: boolean;
  /** Partitions processed at once, each with its own transactional producer. Default: STREAMS_CONCURRENCY, else 1. */
  partitionsConsumedConcurrently?: number;
  /** Most records in one batch, hence in one transaction. Default 500. */
  maxBatchSize?: number;
  /** How long an open transaction of a crashed process blocks read_committed readers. Default 30 s. */
  transactionTimeoutMs?: number;
  /** Backoff between attempts of a failed transaction: doubles from `retryInitialMs` up to `retryMaxMs`. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** How long start-up keeps retrying a broker that does not answer yet. Default 60 s. */
  startTimeoutMs?: number;
  /** Wall clock of ProcessorContext.now() and of punctuators. Default Date.now. */
  now?: () => number;
  logger?: Logger;
  /** Where the metrics go; default a fresh Registry (see StreamsApp.metrics). */
  registry?: Registry;
  /** Serve GET /metrics on this port (0: any free port). Default: no server. */
  metricsPort?: number;
}

export interface ResolvedOptions {
  brokers: string[];
  schemaRegistryUrl: string;
  serde: EventSerde | undefined;
  topicPrefix: string;
  instanceId: string;
  staticMembership: boolean;
  concurrency: number;
  maxBatchSize: number;
  transactionTimeoutMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  startTimeoutMs: number;
  now: () => number;
  logger: Logger;
  registry: Registry;
  metricsPort: number | undefined;
}

export function resolveOptions(processorName: string, options: StreamsOptions): ResolvedOptions {
  const logger = options.logger ?? pino({ name: 'streams' });
  const stableId = options.instanceId ?? process.env.STREAMS_INSTANCE_ID;
  return {
    brokers: options.brokers ?? (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(','),
    schemaRegistryUrl: options.schemaRegistryUrl ?? process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7',
    serde: options.serde,
    topicPrefix: options.topicPrefix ?? defaultTopicPrefix(),
    instanceId: stableId ?? randomUUID().slice(0, 8),
    staticMembership: options.staticMembership ?? stableId !== undefined,
    concurrency: Math.max(1, options.partitionsConsumedConcurrently ?? Number(process.env.STREAMS_CONCURRENCY ?? 1)),
    maxBatchSize: options.maxBatchSize ?? 500,
    transactionTimeoutMs: options.transactionTimeoutMs ?? 30_000,
    retryInitialMs: options.retryInitialMs ?? 100,
    retryMaxMs: options.retryMaxMs ?? 10_000,
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
    now: options.now ?? Date.now,
    logger: logger.child({ processor: processorName }),
    registry: options.registry ?? new Registry(),
    metricsPort: options.metricsPort,
  };
}

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
    return `dlq.${physicalTopic}`;
  }
}
