// The engine: runs one processor against Kafka with exactly-once semantics.
//
//   consumer (group = TOPIC_PREFIX + processor name, read_committed, no auto-commit, static membership
//             when the instance id is stable)
//     -> eachBatch (one partition's records): decode, beginBatch, process() each, endBatch
//     -> one transaction: outputs + dead letters + changelog writes + the batch's next offset
//
// A batch that fails with a retriable error is rolled back (stores included) and retried from its
// first record with backoff, never skipped; the transaction's every step is bounded (deadline.ts),
// and a batch whose processing does not settle is reported stuck (watchBatch); a poison record goes to dlq.<topic> in the batch's
// transaction. Stores are restored from their changelogs when partitions are assigned, before any
// record of them is processed, and dropped when they are revoked. See streams/README.md.
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import { EventSerde } from '../../contracts/avro/serde.js';
import type { EventTopic } from '../../contracts/avro/catalog.js';
import { ChangelogRestorer, changelogMessages, type RestoreTarget } from './changelog.js';
import { resolveOptions, type ResolvedOptions, type StreamsOptions } from './config.js';
import { TopicNames } from '../../platform/topic-names.js';
import { runBatch } from './batch.js';
import { DLQ_HEADERS, deadLetterMessage, messageBytes, type RawRecord } from './dead-letter.js';
import { errorCode, errorMessage, NonRetriableError } from './errors.js';
import { connectFresh, createConsumer, createKafka, createTransactionalProducer } from './kafka.js';
import { StreamsMetrics, serveMetrics, type Readiness } from './metrics.js';
import { watchConsumerLag, type LagWatch } from './lag.js';
import { Mutex } from './mutex.js';
import { PartitionTask } from './partition-task.js';
import { condemns, Outbox, stringHeaders } from './records.js';
import { ProducerPool } from './producer-pool.js';
import { stopOnSignals } from '../../platform/shutdown.js';
import { abortableSleep } from '../../platform/sleep.js';
import { Stalls } from './stalls.js';
import { openStateStores, storeKinds, type StateStores } from './store-factory.js';
import { ensureTopics, type TopicLayout } from './topics.js';
import { commitTransaction, needsNewProducer, type TransactionContent } from './transaction.js';
import { StepTimeoutError, within } from './deadline.js';
import { keepUntilDisconnected } from './left-behind.js';
import type { DeadLetteredRecord, InputRecord, OutputRecord, Processor, Punctuator } from './types.js';

/** librdkafka's codes for "this member's generation is over": its transactions cannot commit. */
const STALE_MEMBER_CODES = new Set([22, 25, 27, 82]); // ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID
const STALE_MEMBER_TYPES = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID']);

/** librdkafka's ERR__FATAL: the client can do nothing more (a static member fenced, say) and must be replaced. */
const FATAL_CODE = KafkaJS.ErrorCodes.ERR__FATAL;
/** How long a failed consumer may take to disconnect before it is left behind. */
const CONSUMER_DISCONNECT_TIMEOUT_MS = 10_000;

function staleMember(err: unknown): boolean {
  const { code, type } = (err ?? {}) as { code?: unknown; type?: unknown };
  return (typeof code === 'number' && STALE_MEMBER_CODES.has(code)) || (typeof type === 'string' && STALE_MEMBER_TYPES.has(type));
}

/** What a batch in flight is doing, for its watchdog. */
interface BatchWatch {
  step: string;
  stop(): void;
}

/** A forwarded record, encoded and addressed to its physical topic. */
interface Sealed {
  topic: string;
  message: KafkaJS.Message;
}

export interface CommittedEvent {
  kind: 'batch' | 'punctuation';
  partition: number;
  /** The physical input topic (batches only). */
  topic?: string;
  /** The next offset to read, now committed (batches only). */
  nextOffset?: string;
  records: number;
  /** Records forwarded by the processor. */
  outputs: number;
  /** Store writes appended to changelogs. */
  storeWrites: number;
  deadLetters: number;
}

export interface AbortedEvent {
  kind: 'batch' | 'punctuation';
  partition: number;
  error: unknown;
}

/** Instrumentation events, for tests and tooling to await instead of sleeping. */
export interface StreamsEvents {
  assigned: [partitions: number[]];
  revoked: [partitions: number[]];
  committed: [event: CommittedEvent];
  aborted: [event: AbortedEvent];
  stopped: [];
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export class StreamsApp extends EventEmitter<StreamsEvents> {
  readonly logger: Logger;
  readonly metrics: StreamsMetrics;
  readonly options: ResolvedOptions;
  private readonly names: TopicNames;
  private readonly stalls: Stalls;
  private readonly labels: { processor: string };
  private readonly tasks = new Map<number, PartitionTask<Sealed>>();
  private readonly locks = new Map<number, Mutex>();
  private readonly revoking = new Set<number>();
  /** Aborted when a partition is revoked: cuts a retrying batch's backoff short. */
  private readonly revocations = new Map<number, AbortController>();
  private readonly schedules: { intervalMs: number; fn: Punctuator }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly shutdown = new AbortController();
  private state: State = 'new';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private serde!: EventSerde;
  private layout!: TopicLayout;
  private admin: KafkaJS.Admin | undefined;
  private consumer: KafkaJS.Consumer | undefined;
  private pool: ProducerPool | undefined;
  private restorer: ChangelogRestorer | undefined;
  private server: Server | undefined;
  private lagWatch: LagWatch | undefined; // kafka_consumergroup_lag from committed offsets (lag.ts)
  private kafka: KafkaJS.Kafka | undefined;
  /** Set while a consumer that failed for good is being replaced (see replaceConsumer). */
  private consumerReplacement: Promise<void> | undefined;
  /** Consumers that failed for good: whatever they still deliver is not processed. */
  private readonly failedConsumers = new WeakSet<KafkaJS.Consumer>();
  private readonly stateStores: StateStores; // each store in memory or on disk (store-factory.ts)

  constructor(
    readonly processor: Processor,
    options: StreamsOptions = {},
  ) {
    super();
    this.options = resolveOptions(processor.name, options);
    this.logger = this.options.logger;
    this.metrics = new StreamsMetrics(this.options.registry);
    this.names = new TopicNames(processor.name, this.options.topicPrefix);
    this.labels = { processor: processor.name };
    this.stalls = new Stalls(this.options.stallBudgetMs, this.options.now, this.logger, this.metrics, processor.name, () => this.updateReady());
    const declared = new Map((processor.stores ?? []).map((s) => [s.name, s.kind]));
    this.stateStores = openStateStores({ stateDir: this.options.stateDir, kindOf: storeKinds(this.options.store, declared) });
    this.updateReady();
  }

  /** The consumer group: the processor's name behind TOPIC_PREFIX. */
  get groupId(): string {
    return this.names.group;
  }

  /** Partitions currently assigned and restored. */
  get partitions(): number[] {
    return [...this.tasks.keys()].sort((a, b) => a - b);
  }

  /** Where GET /metrics is served, when `metricsPort` was given. */
  get metricsPort(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  /** Connects, creates the changelog and dead-letter topics, and starts consuming. */
  start(): Promise<void> {
    if (this.state !== 'new') return Promise.reject(new Error(`StreamsApp ${this.processor.name} was already started`));
    this.state = 'starting';
    this.starting = this.startNow();
    return this.starting;
  }

  private async startNow(): Promise<void> {
    const { options, processor } = this;
    const signal = this.shutdown.signal;
    try {
      this.serde = options.serde ?? EventSerde.forUrl(options.schemaRegistryUrl, { topicPrefix: options.topicPrefix });
      await this.serde.init(processor.outputs ? [...new Set([...processor.inputs, ...processor.outputs])] : undefined);
      const kafka = (this.kafka = createKafka(options));
      this.admin = await connectFresh('admin client', () => kafka.admin(), options, signal);
      this.layout = await ensureTopics(this.admin, processor, this.names, options, signal);
      // A replacement is tried for as long as a transaction may take (the batch waiting for it
      // holds the consumer's rebalances); if it fails, the next transaction of the slot tries again.
      const replacing = { ...options, startTimeoutMs: options.commitTimeoutMs };
      this.pool = new ProducerPool(options.concurrency, (slot, replace) =>
        connectFresh(
          `transactional producer ${slot}`,
          () => createTransactionalProducer(kafka, this.names.transactionalId(options.instanceId, slot), options),
          replace ? replacing : options,
          signal,
        ),
      );
      await this.pool.start();
      const admin = this.admin;
      this.restorer = await connectFresh(
        'restore consumer',
        () => new ChangelogRestorer(options.brokers, `${this.names.group}-restore-${options.instanceId}`, admin, this.logger),
        options,
        signal,
      );
      await processor.init?.({
        schedule: (intervalMs, fn) => {
          if (!(intervalMs > 0)) throw new RangeError(`punctuation interval must be positive, got ${intervalMs}`);
          this.schedules.push({ intervalMs, fn });
        },
      });
      this.consumer = await this.connectConsumer(options);
      if (this.shutdown.signal.aborted) throw new Error('stopped during start-up');
      this.state = 'running';
      this.updateReady();
      await this.runConsumer(this.consumer);
      for (const schedule of this.schedules) this.arm(schedule, schedule.intervalMs);
      if (options.metricsPort !== undefined) this.server = await serveMetrics(options.registry, options.metricsPort, () => this.readiness());
      this.logger.info(
        { inputs: [...this.layout.inputs.keys()], group: this.names.group, instanceId: options.instanceId, staticMembership: options.staticMembership, concurrency: options.concurrency },
        'streams app started',
      );
    } catch (err) {
      // Clean up what was connected, unless stop() is already waiting for start-up to settle.
      if (!this.stopping) await (this.stopping = this.shutdownNow());
      throw err;
    }
  }

  private async connectConsumer(options: ResolvedOptions): Promise<KafkaJS.Consumer> {
    const consumer = await connectFresh(
      'consumer',
      () => {
        // A failed consumer's late revocation (its disconnect can outlast the replacement) must
        // not take the partitions its successor was given.
        const consumer: KafkaJS.Consumer = createConsumer(this.kafka!, this.names.group, options, (err, assignment) =>
          this.failedConsumers.has(consumer) ? Promise.resolve() : this.onRebalance(err, assignment),
        );
        return consumer;
      },
      options,
      this.shutdown.signal,
    );
    await consumer.subscribe({ topics: [...this.layout.inputs.keys()] });
    return consumer;
  }

  private async runConsumer(consumer: KafkaJS.Consumer): Promise<void> {
    this.watchForFatal(consumer);
    await consumer.run({
      partitionsConsumedConcurrently: this.options.concurrency,
      eachBatch: (payload) => (this.failedConsumers.has(consumer) ? Promise.resolve() : this.onBatch(payload)),
    });
    this.lagWatch = watchConsumerLag(
      { admin: this.admin!, consumer },
      { processor: this.processor.name, groupId: this.names.group, topics: [...this.layout.inputs.keys()], registry: this.options.registry, logger: this.logger },
    );
  }

  /**
   * A consumer that hit a librdkafka fatal error (a static member fenced by the group after its
   * session timed out while a broker was away, seen in the chaos smoke) fetches nothing ever
   * again, while the client's KafkaJS layer only logs "retrying": the process looked alive and
   * its partitions stood still for good. The fatal error comes back from the fetch call, not as
   * an error event, and the KafkaJS layer keeps it to its log; so the fetch call of the
   * underlying client is watched for its code (ERR__FATAL).
   */
  private watchForFatal(consumer: KafkaJS.Consumer): void {
    type Consume = (n: number, cb: (err: { code?: unknown } | null, messages: unknown) => void) => unknown;
    const internal = (consumer as unknown as { _getInternalClient?: () => { consume?: Consume } | null })._getInternalClient?.();
    const consume = internal?.consume;
    if (!internal || typeof consume !== 'function') {
      this.logger.warn('cannot watch the consumer for fatal errors (client internals changed): a fenced consumer would not be replaced');
      return;
    }
    internal.consume = (n, cb) =>
      consume.call(internal, n, (err, messages) => {
        if (err?.code === FATAL_CODE) this.consumerFailed(consumer, err);
        cb(err, messages);
      });
  }

  private consumerFailed(consumer: KafkaJS.Consumer, err: unknown): void {
    if (consumer !== this.consumer || this.state !== 'running' || this.consumerReplacement) return;
    this.logger.error({ err }, 'the consumer failed for good (librdkafka fatal error): replacing it');
    this.consumerReplacement = this.replaceConsumer(consumer).finally(() => {
      this.consumerReplacement = undefined;
      this.updateReady();
    });
    this.updateReady();
  }

  /**
   * Gives up the failed consumer's partitions as a revocation would, drops it (bounded: a fatal
   * client may never answer), and joins the group with a fresh one, retrying until it is in or
   * the app stops. Until then the process is not ready.
   *
   * Nothing may still be using the failed client when it is closed. make chaos saw two processes
   * die of SIGSEGV 0.2-0.5 s after a replacement began, when the disconnect came first: the lag
   * watch's committed() could still be running in the binding's worker thread, and a batch in
   * flight sends its offsets through this consumer (the binding frees the client on disconnect;
   * confluent-kafka-javascript#34 is the same class of crash). So the lag watch's read is awaited,
   * the partitions are revoked (their retries cut short, their batches finished, none committed
   * through the failed consumer after), and only then is it disconnected.
   */
  private async replaceConsumer(failed: KafkaJS.Consumer): Promise<void> {
    this.failedConsumers.add(failed);
    await this.lagWatch?.stop();
    // Its rebalance callback may never run: whatever it still holds is given up here.
    if (this.partitions.length > 0) await this.revoke(this.partitions, []);
    const disconnected = failed.disconnect();
    keepUntilDisconnected(failed, disconnected);
    await within(CONSUMER_DISCONNECT_TIMEOUT_MS, 'failed consumer disconnect', disconnected).catch((err: unknown) =>
      this.logger.warn({ err }, 'the failed consumer did not disconnect; left behind'),
    );
    for (let attempt = 1; this.state === 'running'; attempt++) {
      try {
        const consumer = await this.connectConsumer(this.options);
        if (this.state !== 'running') {
          await within(CONSUMER_DISCONNECT_TIMEOUT_MS, 'consumer disconnect', consumer.disconnect()).catch(() => undefined);
          return;
        }
        this.consumer = consumer;
        await this.runConsumer(consumer);
        this.metrics.consumerReplacements.inc(this.labels);
        this.logger.warn({ attempt }, 'consumer replaced after a fatal error');
        return;
      } catch (err) {
        const delay = this.backoff(attempt);
        this.logger.error({ err, attempt, delay }, 'replacing the failed consumer failed; trying again');
        await abortableSleep(delay, this.shutdown.signal);
      }
    }
  }

  /**
   * Stops fetching, lets the transaction in flight finish (a batch waiting to retry is abandoned
   * uncommitted), leaves the group, disconnects. Safe to call more than once, and during start().
   */
  stop(): Promise<void> {
    // Cuts start-up retries and backoffs short; start() then settles quickly.
    this.shutdown.abort();
    this.stopping ??= (this.starting ?? Promise.resolve()).catch(() => undefined).then(() => this.shutdownNow());
    return this.stopping;
  }

  private async shutdownNow(): Promise<void> {
    this.state = 'stopping';
    this.updateReady();
    this.shutdown.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const quietly = async (what: string, step: () => Promise<unknown> | undefined) => {
      try {
        await step();
      } catch (err) {
        this.logger.warn({ err }, `stopping: ${what} failed`);
      }
    };
    // The lag watch reads through the consumer: it stops, and its read in flight ends, first.
    await this.lagWatch?.stop();
    await this.consumerReplacement?.catch(() => undefined);
    // Waits for in-flight batches, then leaves the group (the revocation drops the stores).
    await quietly('consumer disconnect', () => this.consumer?.disconnect());
    await quietly('punctuations in flight', () => Promise.all([...this.locks.values()].map((lock) => lock.idle())));
    await quietly('producers disconnect', () => this.pool?.close());
    await quietly('restore consumer disconnect', () => this.restorer?.disconnect());
    await quietly('admin disconnect', () => this.admin?.disconnect());
    await quietly('processor close', async () => this.processor.close?.());
    await quietly('metrics server close', () => (this.server ? new Promise((resolve) => this.server!.close(resolve)) : undefined));
    for (const task of this.tasks.values()) task.close();
    this.tasks.clear();
    await quietly('state stores close', () => this.stateStores.close());
    this.state = 'stopped';
    this.logger.info('streams app stopped');
    this.emit('stopped');
  }

  // ---- consume -> process -> produce ----

  private async onBatch(payload: KafkaJS.EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    await this.lock(partition).run(async () => {
      const since = Date.now();
      // The backoff goes on from where a batch given back to the consumer left it (see below).
      for (let attempt = this.stalls.attempts({ topic, partition }) + 1; ; attempt++) {
        const task = this.tasks.get(partition);
        if (!task || this.state !== 'running' || this.revoking.has(partition) || payload.isStale()) {
          // Uncommitted: the consumer seeks back, and whoever owns the partition next reads it again.
          throw new Error(`batch of ${topic}[${partition}] abandoned (${this.state}, partition ${task ? 'assigned' : 'not assigned'})`);
        }
        const watch = this.watchBatch({ topic, partition });
        try {
          await this.processBatch(task, batch, watch);
          return;
        } catch (error) {
          // Only transient failures get here: permanent ones were dead-lettered record by record.
          task.abort();
          this.metrics.transactions.inc({ ...this.labels, outcome: 'aborted' });
          this.emit('aborted', { kind: 'batch', partition, error });
          const delay = this.backoff(attempt);
          this.stalls.failed({ topic, partition }, error, delay);
          const revoked = this.revocations.get(partition)?.signal;
          await abortableSleep(delay, revoked ? AbortSignal.any([this.shutdown.signal, revoked]) : this.shutdown.signal);
          // The client runs a rebalance only once every batch in flight has returned: retrying
          // here for good would keep this member from rejoining a group that moved on (a session
          // timed out while the coordinator was away), and the transactions of a stale member
          // fail for good. Past a short while, or at once when the group says this member is
          // stale, the batch goes back to the consumer uncommitted: it seeks back, rejoins if it
          // must, and delivers the batch again (to whoever owns the partition then).
          if (staleMember(error) || Date.now() - since >= this.options.retryInPlaceMs) {
            throw new Error(`batch of ${topic}[${partition}] given back to the consumer after a transient failure (${errorCode(error)}); it is fetched again`, { cause: error });
          }
        } finally {
          watch.stop();
        }
      }
    });
  }

  /**
   * The batch watchdog: processing that has not settled after batchTimeoutMs (an await in a
   * processor with no bound of its own) is reported stuck, again every batchTimeoutMs while it
   * lasts; past the stall budget the process is not ready. It is not cut short: the processor
   * would go on with its state while the retry began again.
   */
  private watchBatch(labels: { topic: string; partition: number }): BatchWatch {
    const since = this.options.now();
    const watch: BatchWatch = { step: 'decode', stop: () => clearInterval(timer) };
    const timer = setInterval(() => this.stalls.stuck(labels, `${labels.topic}[${labels.partition}]: ${watch.step}`, since), this.options.batchTimeoutMs);
    timer.unref();
    return watch;
  }

  /** Capped exponential backoff with jitter (half fixed, half random), so retries do not march in step. */
  private backoff(attempt: number): number {
    const capped = Math.min(this.options.retryMaxMs, this.options.retryInitialMs * 2 ** Math.min(attempt - 1, 30));
    return capped / 2 + Math.random() * (capped / 2);
  }

  /** /readyz: running, and no partition retrying past the stall budget. */
  readiness(): Readiness {
    const stalled = this.stalls.overBudget();
    return { ready: this.state === 'running' && stalled.length === 0 && !this.consumerReplacement, state: this.state, partitions: this.partitions, stalled };
  }

  private updateReady(): void {
    this.metrics.ready.set(this.labels, this.readiness().ready ? 1 : 0);
  }

  private async processBatch(task: PartitionTask<Sealed>, batch: KafkaJS.Batch, watch: BatchWatch): Promise<void> {
    const { topic, partition } = batch;
    const logical = this.layout.inputs.get(topic)!;
    const outbox = new Outbox();
    const deadLettered: string[] = [];
    const raw = new Map<string, KafkaJS.KafkaMessage>();
    const deadLetter = async (message: KafkaJS.KafkaMessage, record: InputRecord | null, error: unknown) => {
      const code = errorCode(error);
      outbox.add(this.names.deadLetter(topic), this.deadLetterRecord({ topic, partition, ...message }, error));
      deadLettered.push(code);
      this.logger.warn({ err: error, code, topic, partition, offset: message.offset }, 'poison record sent to the dead-letter topic');
      await this.announceDeadLetter(task, { topic: logical, partition, offset: message.offset, key: message.key?.toString() ?? '', record, code, message: errorMessage(error) }, outbox);
    };
    const records: InputRecord[] = [];
    for (const message of batch.messages) {
      try {
        records.push(await this.decode(logical, partition, message));
        raw.set(message.offset, message);
      } catch (error) {
        if (!condemns(error)) throw error;
        await deadLetter(message, null, error);
      }
    }
    watch.step = 'process (beginBatch, process(), endBatch)';
    const result = await runBatch(task, records);
    watch.step = 'commit';
    if (result.isolated) this.logger.warn({ topic, partition, records: records.length, failed: result.failed.length }, 'batch failed for good as a whole; ran its records one at a time');
    for (const { topic: target, message: out } of result.outputs) outbox.add(target, out);
    for (const { record, error } of result.failed) await deadLetter(raw.get(record.offset)!, record, error);
    const storeWrites = this.addChangelog(outbox, task);
    const nextOffset = String(Number(batch.messages[batch.messages.length - 1]!.offset) + 1);
    await this.transact('batch', { messages: outbox.messages, offsets: [{ topic, partition, offset: nextOffset }] });
    task.commit();
    this.processor.batchCommitted?.({ partition });
    this.stalls.recovered({ topic, partition });
    this.metrics.records.inc({ ...this.labels, topic: logical }, batch.messages.length);
    for (const code of deadLettered) this.metrics.deadLetters.inc({ ...this.labels, topic: logical, code });
    const high = Number(batch.highWatermark);
    if (high >= 0) this.metrics.lag.set({ ...this.labels, topic, partition }, Math.max(0, high - Number(nextOffset)));
    this.emit('committed', {
      kind: 'batch',
      partition,
      topic,
      nextOffset,
      records: batch.messages.length,
      outputs: result.outputs.length,
      storeWrites,
      deadLetters: deadLettered.length,
    });
  }

  /** The raw record for dlq.<topic>; its value is left out if it would not fit in a record. */
  private deadLetterRecord(record: RawRecord, error: unknown): KafkaJS.Message {
    const message = deadLetterMessage(record, error, this.processor.name, this.options.now());
    if (messageBytes(message) <= this.options.maxMessageBytes) return message;
    return { ...message, value: null, headers: { ...message.headers, [DLQ_HEADERS.valueOmitted]: String(record.value?.length ?? 0) } };
  }

  /** Lets the processor publish the outcome of a dead-lettered record, in the same transaction. */
  private async announceDeadLetter(task: PartitionTask<Sealed>, failure: DeadLetteredRecord, outbox: Outbox): Promise<void> {
    const processor = this.processor;
    if (!processor.deadLettered) return;
    try {
      const sealed = await task.runWith((ctx) => processor.deadLettered!(failure, ctx), failure.record?.headers ?? {});
      for (const { topic, message } of sealed) outbox.add(topic, message);
    } catch (err) {
      this.logger.error({ err, topic: failure.topic, partition: failure.partition, offset: failure.offset }, 'the dead-letter hook failed; no outcome published for the record');
    }
  }

  private async decode(topic: EventTopic, partition: number, message: KafkaJS.KafkaMessage): Promise<InputRecord> {
    const size = message.value?.length ?? 0;
    if (size > this.options.maxInputBytes) {
      throw new NonRetriableError('RECORD_TOO_LARGE', `a ${topic} record of ${size} bytes is over the ${this.options.maxInputBytes}-byte input limit`);
    }
    return {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? '',
      value: await this.serde.decode(topic, message.value ?? Buffer.alloc(0)),
      headers: stringHeaders(message.headers),
      timestamp: Number(message.timestamp),
    };
  }

  /** Encodes a forwarded record; runs inside the record's failure scope (see PartitionTask). */
  private seal(record: OutputRecord): Sealed {
    const message = { key: record.key, value: this.serde.encode(record.topic, record.value), headers: record.headers ?? {} };
    // Caught here, in the record's failure scope, rather than by the producer inside the
    // transaction, where it would fail the whole batch on every retry.
    const size = messageBytes(message);
    if (size > this.options.maxMessageBytes) {
      throw new NonRetriableError('RECORD_TOO_LARGE', `a ${record.topic} record of ${size} bytes is over the ${this.options.maxMessageBytes}-byte limit`);
    }
    return { topic: this.names.physical(record.topic), message };
  }

  /** Adds the transaction's store writes to the outbox; returns how many. */
  private addChangelog(outbox: Outbox, task: PartitionTask<Sealed>): number {
    let count = 0;
    for (const { store, changes } of task.changes()) {
      const topic = this.layout.changelogs.get(store)!;
      for (const message of changelogMessages(changes, task.partition)) outbox.add(topic, message);
      count += changes.length;
    }
    return count;
  }

  /** Commits one transaction on a pooled producer, replacing the producer if it broke. */
  private async transact(kind: 'batch' | 'punctuation', content: TransactionContent): Promise<void> {
    const slot = await this.pool!.acquire();
    const stopTimer = this.metrics.transactionLatency.startTimer({ ...this.labels, kind });
    try {
      await commitTransaction(slot.producer, this.consumer!, content, {
        timeoutMs: this.options.commitTimeoutMs,
        abortTimeoutMs: Math.min(10_000, this.options.commitTimeoutMs),
      });
      stopTimer();
      this.metrics.transactions.inc({ ...this.labels, outcome: 'committed' });
    } catch (err) {
      if (slot.broken || needsNewProducer(err, slot.producer)) {
        const why = err instanceof StepTimeoutError ? 'a step that did not settle' : slot.broken ? 'a failed replacement' : 'a fatal error';
        this.logger.warn({ err, slot: slot.index }, `replacing a transactional producer after ${why}`);
        await this.pool!.replace(slot).catch((e: unknown) => this.logger.error({ err: e }, 'replacing the producer failed'));
      }
      throw err;
    } finally {
      this.pool!.release(slot);
    }
  }

  // ---- punctuators ----

  /** Fires `schedule` after `delay`, then on its interval; missed ticks coalesce into one. */
  private arm(schedule: { intervalMs: number; fn: Punctuator }, delay: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const started = Date.now();
      void this.punctuateAll(schedule.fn).finally(() => {
        if (this.state === 'running') this.arm(schedule, Math.max(0, schedule.intervalMs - (Date.now() - started)));
      });
    }, delay);
    this.timers.add(timer);
  }

  private async punctuateAll(fn: Punctuator): Promise<void> {
    for (const partition of this.partitions) {
      await this.lock(partition).run(() => this.punctuate(partition, fn));
    }
  }

  private async punctuate(partition: number, fn: Punctuator): Promise<void> {
    const task = this.tasks.get(partition);
    if (!task || this.state !== 'running' || this.revoking.has(partition)) return;
    try {
      const outbox = new Outbox();
      const sealed = await task.punctuate(fn);
      for (const { topic, message } of sealed) outbox.add(topic, message);
      const storeWrites = this.addChangelog(outbox, task);
      // Nothing forwarded or written: no transaction at all.
      if (outbox.count > 0) await this.transact('punctuation', { messages: outbox.messages });
      task.commit();
      this.stalls.recovered({ topic: 'punctuation', partition });
      if (outbox.count > 0) {
        this.emit('committed', { kind: 'punctuation', partition, records: 0, outputs: sealed.length, storeWrites, deadLetters: 0 });
      }
    } catch (error) {
      // Nothing to dead-letter: the next tick tries again (a punctuator must not throw for
      // good; a timer it cannot fire would stall every tick, and shows as a stall).
      task.abort();
      this.metrics.transactions.inc({ ...this.labels, outcome: 'aborted' });
      this.emit('aborted', { kind: 'punctuation', partition, error });
      this.stalls.failed({ topic: 'punctuation', partition }, error, 0);
    }
  }

  // ---- rebalancing ----

  private async onRebalance(err: { code: number }, assignment: { topic: string; partition: number }[]): Promise<void> {
    const partitions = [...new Set(assignment.map((tp) => tp.partition))].sort((a, b) => a - b);
    if (err.code === KafkaJS.ErrorCodes.ERR__ASSIGN_PARTITIONS) await this.assign(partitions);
    else if (err.code === KafkaJS.ErrorCodes.ERR__REVOKE_PARTITIONS) await this.revoke(partitions, assignment);
  }

  /**
   * Restores the stores of newly assigned partitions. The client applies the assignment only
   * after this returns, so no record of these partitions is processed before their state is back.
   */
  private async assign(partitions: number[]): Promise<void> {
    const fresh = partitions.filter((p) => !this.tasks.has(p));
    for (let attempt = 1; ; attempt++) {
      if (this.shutdown.signal.aborted) return;
      const tasks: PartitionTask<Sealed>[] = [];
      try {
        // New stores on each attempt: a failed restore may have filled them halfway. Opened
        // inside the attempt: a disk store that cannot open is retried like a failed restore.
        for (const partition of fresh) {
          tasks.push(new PartitionTask<Sealed>({
            processor: this.processor,
            partition,
            now: this.options.now,
            seal: (r) => this.seal(r),
            observe: (record, seconds) => this.metrics.processLatency.observe({ ...this.labels, topic: record.topic }, seconds),
            openStore: (store, p) => this.stateStores.open(store, p),
          }));
        }
        const targets: RestoreTarget[] = tasks.flatMap((task) =>
          task.storeNames().map((store) => ({ topic: this.layout.changelogs.get(store)!, partition: task.partition, store: task.store(store) })),
        );
        const stopTimer = this.metrics.restoreSeconds.startTimer(this.labels);
        const { records } = targets.length > 0 ? await this.restorer!.restore(targets, this.shutdown.signal) : { records: 0 };
        stopTimer();
        this.metrics.restoredRecords.inc(this.labels, records);
        for (const task of tasks) {
          this.tasks.set(task.partition, task);
          this.revocations.set(task.partition, new AbortController());
        }
        for (const partition of fresh) this.stalls.recovered({ topic: 'restore', partition });
        this.logger.info({ partitions: fresh, restored: records }, 'partitions assigned');
        this.emit('assigned', fresh);
        return;
      } catch (err) {
        if (this.shutdown.signal.aborted) return;
        const delay = this.backoff(attempt);
        for (const task of tasks) task.close();
        for (const partition of fresh) this.stalls.failed({ topic: 'restore', partition }, err, delay);
        await abortableSleep(delay, this.shutdown.signal);
      }
    }
  }

  /** Waits for the partitions' transaction in flight, then drops their stores. */
  private async revoke(partitions: number[], assignment: { topic: string; partition: number }[]): Promise<void> {
    for (const partition of partitions) {
      this.revoking.add(partition);
      this.revocations.get(partition)?.abort();
    }
    await Promise.all(partitions.map((partition) => this.lock(partition).idle()));
    for (const partition of partitions) {
      this.tasks.get(partition)?.close();
      this.tasks.delete(partition);
      this.revocations.delete(partition);
      this.revoking.delete(partition);
    }
    for (const { topic, partition } of assignment) {
      this.metrics.lag.remove({ ...this.labels, topic, partition });
      this.stalls.recovered({ topic, partition });
    }
    for (const partition of partitions) this.stalls.recovered({ topic: 'punctuation', partition });
    this.logger.info({ partitions }, 'partitions revoked');
    this.emit('revoked', partitions);
  }

  private lock(partition: number): Mutex {
    let lock = this.locks.get(partition);
    if (!lock) {
      lock = new Mutex();
      this.locks.set(partition, lock);
    }
    return lock;
  }
}

/** Starts `processor` and stops it gracefully on SIGTERM or SIGINT; for a service's main. */
export async function runProcessor(processor: Processor, options: StreamsOptions = {}): Promise<StreamsApp> {
  const app = new StreamsApp(processor, options);
  // Node runtime metrics, once per service process (and once per registry).
  if (!app.options.registry.getSingleMetric('process_cpu_seconds_total')) collectDefaultMetrics({ register: app.options.registry });
  stopOnSignals(app);
  await app.start();
  return app;
}
