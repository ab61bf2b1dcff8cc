// The runtime's options and their defaults. The names it derives from a processor (physical
// topics behind TOPIC_PREFIX, changelog and dead-letter topics, transactional ids) are
// platform/topic-names.ts's, shared with the schema CLI and the access table.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { defaultTopicPrefix } from '../../contracts/avro/catalog.js';
import type { EventSerde } from '../../contracts/avro/serde.js';

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
  /**
   * How long one transaction's steps before its commit (begin, sends, offsets) may take before it
   * is given up (the producer is replaced, fencing it) and the batch retried; the commit is bounded
   * by the client (transaction.ts). Below transactionTimeoutMs, so the coordinator
   * has not aborted it on its own first. Default STREAMS_COMMIT_TIMEOUT_MS, else 20 s.
   */
  commitTimeoutMs?: number;
  /**
   * How long a batch's processing (decode, the processor's hooks and process()) may run before
   * the partition is reported stuck: logged at error level, and not ready past the stall budget.
   * It cannot be cut short safely (the processor's state is in use), so the processor's own I/O
   * must be bounded (task-view's database client is). Default STREAMS_BATCH_TIMEOUT_MS, else 30 s.
   */
  batchTimeoutMs?: number;
  /** Backoff between attempts of a failed transaction: doubles from `retryInitialMs` up to `retryMaxMs`. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /**
   * How long a failing batch is retried in place before it is given back to the consumer
   * (uncommitted, fetched again): the client holds rebalances until every batch in flight
   * returns, so a member retrying for good could never rejoin its group. Default 10 s.
   */
  retryInPlaceMs?: number;
  /** How long start-up keeps retrying a broker that does not answer yet. Default 60 s. */
  startTimeoutMs?: number;
  /**
   * How long a partition may keep retrying one batch (a dependency away) before the process
   * reports itself not ready (/readyz, `streams_ready`) and logs at error level. It keeps
   * retrying; nothing is skipped. Default STREAMS_STALL_BUDGET_MS, else 30 s.
   */
  stallBudgetMs?: number;
  /** Largest record the producer sends (librdkafka's message.max.bytes). Default 1,000,000. */
  maxMessageBytes?: number;
  /**
   * Largest input value accepted; a bigger one is dead-lettered (RECORD_TOO_LARGE) before it is
   * decoded. Our events are far smaller (the gateway takes 64 KB bodies; an update carries its
   * fields before and after), and the cap keeps every record derived from one input (outputs,
   * JSON changelog values) under maxMessageBytes, so none can fail a whole transaction on every
   * retry. Default STREAMS_MAX_INPUT_BYTES, else 128 KiB.
   */
  maxInputBytes?: number;
  /** Wall clock of ProcessorContext.now() and of punctuators. Default Date.now. */
  now?: () => number;
  logger?: Logger;
  /** Where the metrics go; default a fresh Registry (see StreamsApp.metrics). */
  registry?: Registry;
  /** Serve GET /metrics on this port (0: any free port). Default: no server. */
  metricsPort?: number;
  /**
   * Where state stores keep their entries: `memory` or `disk` (LMDB files under `stateDir`), for
   * every store (`disk`), per store (`tasks=disk,due=disk`) or both (`disk,users=memory`); a
   * store not named takes its definition's `kind`, else the default, else memory.
   * Default STREAMS_STORE. See streams/README.md, "State stores".
   */
  store?: string;
  /**
   * The disk stores' directory, wiped at start and at stop (they are restored from their
   * changelogs). Default STREAMS_STATE_DIR, else <tmpdir>/todo-stream-state/<group>-<instanceId>.
   */
  stateDir?: string;
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
  commitTimeoutMs: number;
  batchTimeoutMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  retryInPlaceMs: number;
  startTimeoutMs: number;
  stallBudgetMs: number;
  maxMessageBytes: number;
  maxInputBytes: number;
  now: () => number;
  logger: Logger;
  registry: Registry;
  metricsPort: number | undefined;
  store: string | undefined;
  stateDir: string;
}

export function resolveOptions(processorName: string, options: StreamsOptions): ResolvedOptions {
  const logger = options.logger ?? pino({ name: 'streams' });
  const stableId = options.instanceId ?? process.env.STREAMS_INSTANCE_ID;
  const transactionTimeoutMs = options.transactionTimeoutMs ?? 30_000;
  const instanceId = stableId ?? randomUUID().slice(0, 8);
  const topicPrefix = options.topicPrefix ?? defaultTopicPrefix();
  return {
    brokers: options.brokers ?? (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(','),
    schemaRegistryUrl: options.schemaRegistryUrl ?? process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7',
    serde: options.serde,
    topicPrefix,
    instanceId,
    staticMembership: options.staticMembership ?? stableId !== undefined,
    concurrency: Math.max(1, options.partitionsConsumedConcurrently ?? Number(process.env.STREAMS_CONCURRENCY ?? 1)),
    maxBatchSize: options.maxBatchSize ?? 500,
    transactionTimeoutMs,
    commitTimeoutMs: Math.min(options.commitTimeoutMs ?? Number(process.env.STREAMS_COMMIT_TIMEOUT_MS ?? 20_000), transactionTimeoutMs),
    batchTimeoutMs: options.batchTimeoutMs ?? Number(process.env.STREAMS_BATCH_TIMEOUT_MS ?? 30_000),
    retryInitialMs: options.retryInitialMs ?? 100,
    retryMaxMs: options.retryMaxMs ?? 10_000,
    retryInPlaceMs: options.retryInPlaceMs ?? 10_000,
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
    stallBudgetMs: options.stallBudgetMs ?? Number(process.env.STREAMS_STALL_BUDGET_MS ?? 30_000),
    maxMessageBytes: options.maxMessageBytes ?? 1_000_000,
    maxInputBytes: options.maxInputBytes ?? Number(process.env.STREAMS_MAX_INPUT_BYTES ?? 128 * 1024),
    now: options.now ?? Date.now,
    logger: logger.child({ processor: processorName }),
    registry: options.registry ?? new Registry(),
    metricsPort: options.metricsPort,
    store: options.store ?? process.env.STREAMS_STORE,
    stateDir: options.stateDir ?? process.env.STREAMS_STATE_DIR ?? join(tmpdir(), 'todo-stream-state', `${topicPrefix}${processorName}-${instanceId}`),
  };
}
