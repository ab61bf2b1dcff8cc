// The contract between the streams runtime and the processors built on it, modelled on Kafka
// Streams' Processor API: a processor declares its inputs, stores and outputs; the runtime runs
// consume -> process -> produce with the outputs, the store changelog writes and the input
// offsets inside one Kafka transaction. Processors never touch Kafka clients: they are plain
// objects, unit-testable with an in-memory context (streams/runtime/test-driver.ts).
import type { EventTopic } from '../../contracts/avro/catalog.js';

/** A decoded input record. `value` is in the shape of the local schema of its topic. */
export interface InputRecord<V = unknown> {
  topic: EventTopic;
  partition: number;
  offset: string;
  key: string;
  value: V;
  headers: Record<string, string>;
  /** Broker timestamp, epoch ms. */
  timestamp: number;
}

/** A record to produce; encoded with the topic's Avro schema by the runtime. */
export interface OutputRecord<V = unknown> {
  topic: EventTopic;
  key: string;
  value: V;
  headers?: Record<string, string>;
}

/**
 * A key-value state store, in memory or on disk (StoreDefinition.kind); reads and writes are
 * synchronous. Every write is also appended to the store's compacted changelog topic inside the
 * current transaction, and the store is restored from that changelog when its partition is
 * assigned. Values must be JSON-serializable: they are kept as JSON, so get() returns a copy.
 */
export interface KeyValueStore<V> {
  get(key: string): V | undefined;
  put(key: string, value: V): void;
  delete(key: string): void;
  /** In key order; for punctuators that scan (e.g. due timers). */
  range(fromKey: string, toKey: string): IterableIterator<[string, V]>;
  all(): IterableIterator<[string, V]>;
  readonly size: number;
}

export interface StoreDefinition {
  name: string;
  /** `memory` (default) or `disk`; the runtime's `store` option (STREAMS_STORE) may say otherwise. */
  kind?: 'memory' | 'disk';
}

export interface ProcessorContext {
  /** Produce a record in the current transaction. */
  forward(record: OutputRecord): void;
  /** The store declared under `name`, holding the entries of the current partition. */
  store<V>(name: string): KeyValueStore<V>;
  /** Wall-clock now (injectable in tests). */
  now(): number;
  /** The partition whose record or punctuation is being processed. */
  readonly partition: number;
}

export type Punctuator = (ctx: ProcessorContext) => Promise<void> | void;

export interface InitContext {
  /** Run `fn` every `intervalMs` of wall-clock time, per assigned partition, inside a transaction. */
  schedule(intervalMs: number, fn: Punctuator): void;
}

export interface Processor {
  /** Also the consumer group id and the prefix of its changelog topics and transactional ids. */
  readonly name: string;
  readonly inputs: readonly EventTopic[];
  /**
   * The topics it forwards to. Optional: the runtime then checks at start-up that every topic's
   * schema is registered, instead of just these.
   */
  readonly outputs?: readonly EventTopic[];
  readonly stores?: readonly StoreDefinition[];
  init?(ctx: InitContext): Promise<void> | void;
  /**
   * Handle one record. Throwing a non-retriable error (err.retriable === false) sends the record
   * to dlq.<topic>; any other error aborts the transaction and the batch is retried.
   * Side effects outside Kafka (database writes) must be idempotent: they may be repeated when a
   * transaction aborts or the process dies before commit.
   */
  process(record: InputRecord, ctx: ProcessorContext): Promise<void> | void;
  /**
   * Optional batch hooks, for processors whose side effects are cheaper in bulk (one database
   * read for a batch's keys, one grouped write): beginBatch sees every decoded record of a batch
   * before its first process(); endBatch runs after its last, before the transaction commits.
   * An error from either fails the whole batch like a retriable process() error: it is rolled
   * back and retried from its first record.
   */
  beginBatch?(records: readonly InputRecord[], ctx: BatchContext): Promise<void> | void;
  endBatch?(ctx: BatchContext): Promise<void> | void;
  /**
   * Optional: the batch's transaction committed (its outputs and offsets are in the log). Until
   * then a batch may be redone after endBatch's side effects: task-view keeps the outcomes it
   * decided so that a redo announces them instead of `duplicate`.
   */
  batchCommitted?(ctx: BatchContext): void;
  /**
   * Optional: a record of this processor's inputs was sent to its dead-letter topic (it could
   * not be decoded, or failed for good). Runs in the batch's transaction; what it forwards is
   * committed with the dead letter, so whoever waits for the record's outcome (the gateway,
   * for task-view) learns at once. An error here is logged, never retried: the record is
   * already dead-lettered.
   */
  deadLettered?(failure: DeadLetteredRecord, ctx: ProcessorContext): Promise<void> | void;
  close?(): Promise<void> | void;
}

export interface DeadLetteredRecord {
  topic: EventTopic;
  partition: number;
  offset: string;
  key: string;
  /** The decoded record; null when its bytes could not be decoded. */
  record: InputRecord | null;
  /** The stable code of the failure (platform/errors.ts), as in the `dlq-error-code` header. */
  code: string;
  message: string;
}

export interface BatchContext {
  readonly partition: number;
}
