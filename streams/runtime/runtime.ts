// The engine: runs one processor against Kafka with exactly-once semantics.
//
//   consumer (group = TOPIC_PREFIX + processor name, read_committed, no auto-commit, static membership
//             when the instance id is stable)
//     -> eachBatch (one partition's records): decode, beginBatch, process() each, endBatch
//     -> one transaction: outputs + dead letters + changelog writes + the batch's next offset
//
// A batch that fails with a retriable error is rolled back (stores included) and retried from its
// first record with backoff, never skipped; a poison record goes to dlq.<topic> in the batch's
// transaction. Stores are restored from their changelogs when partitions are assigned, before any
// record of them is processed, and dropped when they are revoked. See streams/README.md.
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { EventSerde } from '../../schemas/serde.js';
import type { EventTopic } from '../../schemas/catalog.js';
import { ChangelogRestorer, changelogMessages, type RestoreTarget } from './changelog.js';
import { resolveOptions, TopicNames, type ResolvedOptions, type StreamsOptions } from './config.js';
import { deadLetterMessage } from './dead-letter.js';
import { errorCode } from './errors.js';
import { connectFresh, createConsumer, createKafka, createTransactionalProducer } from './kafka.js';
import { StreamsMetrics, serveMetrics } from './metrics.js';
import { Mutex } from './mutex.js';
import { PartitionTask } from './partition-task.js';
import { condemns, Outbox, stringHeaders } from './records.js';
import { ProducerPool } from './producer-pool.js';
import { stopOnSignals } from './shutdown.js';
import { abortableSleep } from './sleep.js';
import { ensureTopics, type TopicLayout } from './topics.js';
import { commitTransaction, needsNewProducer, type TransactionContent } from './transaction.js';
import type { InputRecord, OutputRecord, Processor, Punctuator } from './types.js';

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
      const kafka = createKafka(options);
      this.admin = await connectFresh('admin client', () => kafka.admin(), options, signal);
      this.layout = await ensureTopics(this.admin, processor, this.names);
      this.pool = new ProducerPool(options.concurrency, (slot) =>
        connectFresh(
          `transactional producer ${slot}`,
          () => createTransactionalProducer(kafka, this.names.transactionalId(options.instanceId, slot), options),
          options,
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
      this.consumer = await connectFresh(
        'consumer',
        () => createConsumer(kafka, this.names.group, options, (err, assignment) => this.onRebalance(err, assignment)),
        options,
        signal,
      );
      await this.consumer.subscribe({ topics: [...this.layout.inputs.keys()] });
      if (this.shutdown.signal.aborted) throw new Error('stopped during start-up');
      this.state = 'running';
      await this.consumer.run({
        partitionsConsumedConcurrently: options.concurrency,
        eachBatch: (payload) => this.onBatch(payload),
      });
      for (const schedule of this.schedules) this.arm(schedule, schedule.intervalMs);
      if (options.metricsPort !== undefined) this.server = await serveMetrics(options.registry, options.metricsPort);
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
    // Waits for in-flight batches, then leaves the group (the revocation drops the stores).
    await quietly('consumer disconnect', () => this.consumer?.disconnect());
    await quietly('punctuations in flight', () => Promise.all([...this.locks.values()].map((lock) => lock.idle())));
    await quietly('producers disconnect', () => this.pool?.close());
    await quietly('restore consumer disconnect', () => this.restorer?.disconnect());
    await quietly('admin disconnect', () => this.admin?.disconnect());
    await quietly('processor close', async () => this.processor.close?.());
    await quietly('metrics server close', () => (this.server ? new Promise((resolve) => this.server!.close(resolve)) : undefined));
    this.tasks.clear();
    this.state = 'stopped';
    this.logger.info('streams app stopped');
    this.emit('stopped');
  }

  // ---- consume -> process -> produce ----

  private async onBatch(payload: KafkaJS.EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    await this.lock(partition).run(async () => {
      for (let attempt = 1, delay = this.options.retryInitialMs; ; attempt++, delay = Math.min(delay * 2, this.options.retryMaxMs)) {
        const task = this.tasks.get(partition);
        if (!task || this.state !== 'running' || this.revoking.has(partition) || payload.isStale()) {
          // Uncommitted: the consumer seeks back, and whoever owns the partition next reads it again.
          throw new Error(`batch of ${topic}[${partition}] abandoned (${this.state}, partition ${task ? 'assigned' : 'not assigned'})`);
        }
        try {
          await this.processBatch(task, batch);
          return;
        } catch (error) {
          task.abort();
          this.metrics.transactions.inc({ ...this.labels, outcome: 'aborted' });
          this.emit('aborted', { kind: 'batch', partition, error });
          this.logger.warn({ err: error, topic, partition, firstOffset: batch.messages[0]?.offset, attempt }, `batch failed; retrying in ${delay} ms`);
          const revoked = this.revocations.get(partition)?.signal;
          await abortableSleep(delay, revoked ? AbortSignal.any([this.shutdown.signal, revoked]) : this.shutdown.signal);
        }
      }
    });
  }

  private async processBatch(task: PartitionTask<Sealed>, batch: KafkaJS.Batch): Promise<void> {
    const { topic, partition } = batch;
    const logical = this.layout.inputs.get(topic)!;
    const outbox = new Outbox();
    const deadLettered: string[] = [];
    const deadLetter = (message: KafkaJS.KafkaMessage, error: unknown) => {
      if (!condemns(error)) throw error;
      outbox.add(
        this.names.deadLetter(topic),
        deadLetterMessage({ topic, partition, ...message }, error, this.processor.name, this.options.now()),
      );
      deadLettered.push(errorCode(error));
      this.logger.warn({ err: error, topic, partition, offset: message.offset }, 'poison record sent to the dead-letter topic');
    };
    const decoded: { message: KafkaJS.KafkaMessage; record: InputRecord }[] = [];
    for (const message of batch.messages) {
      try {
        decoded.push({ message, record: await this.decode(logical, partition, message) });
      } catch (error) {
        deadLetter(message, error);
      }
    }
    await this.processor.beginBatch?.(
      decoded.map((d) => d.record),
      { partition },
    );
    let forwarded = 0;
    for (const { message, record } of decoded) {
      const stopTimer = this.metrics.processLatency.startTimer({ ...this.labels, topic: logical });
      try {
        const sealed = await task.process(record);
        for (const { topic: target, message: out } of sealed) outbox.add(target, out);
        forwarded += sealed.length;
      } catch (error) {
        deadLetter(message, error);
      } finally {
        stopTimer();
      }
    }
    await this.processor.endBatch?.({ partition });
    const storeWrites = this.addChangelog(outbox, task);
    const nextOffset = String(Number(batch.messages[batch.messages.length - 1]!.offset) + 1);
    await this.transact('batch', { messages: outbox.messages, offsets: [{ topic, partition, offset: nextOffset }] });
    task.commit();
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
      outputs: forwarded,
      storeWrites,
      deadLetters: deadLettered.length,
    });
  }

  private async decode(topic: EventTopic, partition: number, message: KafkaJS.KafkaMessage): Promise<InputRecord> {
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
    return {
      topic: this.names.physical(record.topic),
      message: { key: record.key, value: this.serde.encode(record.topic, record.value), headers: record.headers ?? {} },
    };
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
      await commitTransaction(slot.producer, this.consumer!, content);
      stopTimer();
      this.metrics.transactions.inc({ ...this.labels, outcome: 'committed' });
    } catch (err) {
      if (needsNewProducer(err, slot.producer)) {
        this.logger.warn({ err, slot: slot.index }, 'replacing a transactional producer after a fatal error');
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
      if (outbox.count > 0) {
        this.emit('committed', { kind: 'punctuation', partition, records: 0, outputs: sealed.length, storeWrites, deadLetters: 0 });
      }
    } catch (error) {
      // Nothing to dead-letter: the next tick tries again.
      task.abort();
      this.metrics.transactions.inc({ ...this.labels, outcome: 'aborted' });
      this.emit('aborted', { kind: 'punctuation', partition, error });
      this.logger.error({ err: error, partition }, 'punctuation failed');
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
    for (let attempt = 1, delay = this.options.retryInitialMs; ; attempt++, delay = Math.min(delay * 2, this.options.retryMaxMs)) {
      if (this.shutdown.signal.aborted) return;
      // New stores on each attempt: a failed restore may have filled them halfway.
      const tasks = fresh.map((partition) => new PartitionTask<Sealed>({ processor: this.processor, partition, now: this.options.now, seal: (r) => this.seal(r) }));
      const targets: RestoreTarget[] = tasks.flatMap((task) =>
        task.storeNames().map((store) => ({ topic: this.layout.changelogs.get(store)!, partition: task.partition, store: task.store(store) })),
      );
      try {
        const stopTimer = this.metrics.restoreSeconds.startTimer(this.labels);
        const { records } = targets.length > 0 ? await this.restorer!.restore(targets, this.shutdown.signal) : { records: 0 };
        stopTimer();
        this.metrics.restoredRecords.inc(this.labels, records);
        for (const task of tasks) {
          this.tasks.set(task.partition, task);
          this.revocations.set(task.partition, new AbortController());
        }
        this.logger.info({ partitions: fresh, restored: records }, 'partitions assigned');
        this.emit('assigned', fresh);
        return;
      } catch (err) {
        if (this.shutdown.signal.aborted) return;
        this.logger.warn({ err, partitions: fresh, attempt }, `restoring state stores failed; retrying in ${delay} ms`);
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
      this.tasks.delete(partition);
      this.revocations.delete(partition);
      this.revoking.delete(partition);
    }
    for (const { topic, partition } of assignment) this.metrics.lag.remove({ ...this.labels, topic, partition });
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
  stopOnSignals(app);
  await app.start();
  return app;
}
