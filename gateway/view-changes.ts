// Read-your-writes: the task-view processor publishes, on task-views, what it did with each
// task event (applied, duplicate, rejected + reason + the resulting view), committed together
// with its input offset. A write registers a waiter for its event id BEFORE producing the event,
// and this consumer resolves it when the outcome arrives: no polling of the database.
//
// Every gateway replica reads every partition, from the end as of its start, with a plain
// assignment: no consumer group, no committed offsets (outcomes older than the process concern
// no waiting request).
import { RdKafka } from '@confluentinc/kafka-javascript';
import type { TaskViewChange } from '../domain/events.js';
import { fromSnapshot, type TaskView } from '../domain/task.js';
import { contractFor } from '../schemas/catalog.js';
import type { EventSerde } from '../schemas/serde.js';
import type { Logger } from './logger.js';

export interface ViewOutcome {
  eventId: string;
  taskId: string;
  outcome: 'applied' | 'duplicate' | 'rejected';
  reason: string | null;
  message: string | null;
  view: TaskView | null;
}

export interface PendingOutcome {
  /** The outcome, or null when none arrived in time. */
  promise: Promise<ViewOutcome | null>;
  cancel(): void;
}

export interface ViewChangeWaiter {
  /** Call before producing the event, so its outcome cannot arrive unobserved. */
  expect(eventId: string, timeoutMs: number): PendingOutcome;
}

interface Waiter {
  resolve(outcome: ViewOutcome | null): void;
  timer: NodeJS.Timeout;
}

/** The waiting half, independent of Kafka: unit-testable, and fed by ViewChangeConsumer. */
export class ViewChangeWaiters implements ViewChangeWaiter {
  private readonly waiters = new Map<string, Waiter>();

  get size(): number {
    return this.waiters.size;
  }

  expect(eventId: string, timeoutMs: number): PendingOutcome {
    let settle!: (outcome: ViewOutcome | null) => void;
    const promise = new Promise<ViewOutcome | null>((resolve) => (settle = resolve));
    const timer = setTimeout(() => this.settle(eventId, null), timeoutMs);
    this.waiters.set(eventId, { resolve: settle, timer });
    return { promise, cancel: () => this.settle(eventId, null) };
  }

  /** Resolves the waiter of `outcome.eventId`, if any; the first outcome for an event wins. */
  deliver(outcome: ViewOutcome): void {
    this.settle(outcome.eventId, outcome);
  }

  private settle(eventId: string, outcome: ViewOutcome | null): void {
    const waiter = this.waiters.get(eventId);
    if (!waiter) return;
    this.waiters.delete(eventId);
    clearTimeout(waiter.timer);
    waiter.resolve(outcome);
  }
}

export function toViewOutcome(change: TaskViewChange): ViewOutcome {
  return {
    eventId: change.eventId,
    taskId: change.taskId,
    outcome: change.outcome,
    reason: change.reason,
    message: change.message,
    view: change.view ? fromSnapshot(change.view) : null,
  };
}

export interface ViewChangeConsumerOptions {
  brokers: string[];
  topicPrefix: string;
  serde: EventSerde;
  waiters: ViewChangeWaiters;
  logger: Logger;
}

export class ViewChangeConsumer {
  private consumer: RdKafka.KafkaConsumer | null = null;
  private readonly topic: string;

  constructor(private readonly opts: ViewChangeConsumerOptions) {
    this.topic = contractFor('task-views', opts.topicPrefix).topic;
  }

  /** Resolves once every partition is assigned at its current end: from then on nothing is missed. */
  async start(): Promise<void> {
    const consumer = new RdKafka.KafkaConsumer(
      {
        'bootstrap.servers': this.opts.brokers.join(','),
        // Required by librdkafka, never used to commit: the assignment below is manual.
        'group.id': `gateway-view-changes-${process.pid}-${Date.now()}`,
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'isolation.level': 'read_committed',
        'fetch.wait.max.ms': 100,
        'socket.keepalive.enable': true,
      },
      {},
    );
    consumer.on('event.error', (err) => this.opts.logger.warn({ err }, 'task-views consumer error'));
    await new Promise<void>((resolve, reject) => {
      consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(asError(err)) : resolve()));
    });
    this.consumer = consumer;
    const partitions = await this.partitions(consumer);
    const assignment = await Promise.all(
      partitions.map(async (partition) => ({ topic: this.topic, partition, offset: await this.end(consumer, partition) })),
    );
    consumer.assign(assignment);
    // Block up to 1 s waiting for data, but go straight back after a timeout: a waiting request
    // should not sit behind the library's default half-second back-off.
    consumer.setDefaultConsumeTimeout(1000);
    consumer.setDefaultConsumeLoopTimeoutDelay(5);
    consumer.on('data', (message) => {
      if (this.opts.waiters.size === 0 || !message.value) return;
      this.opts.serde.decode<TaskViewChange>('task-views', message.value).then(
        (change) => this.opts.waiters.deliver(toViewOutcome(change)),
        (err: unknown) => this.opts.logger.warn({ err, partition: message.partition, offset: message.offset }, 'undecodable task-views record skipped'),
      );
    });
    consumer.consume();
    this.opts.logger.info({ topic: this.topic, partitions: partitions.length }, 'following task-views for read-your-writes');
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    if (!consumer) return;
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }

  private partitions(consumer: RdKafka.KafkaConsumer): Promise<number[]> {
    return new Promise((resolve, reject) => {
      consumer.getMetadata({ topic: this.topic, timeout: 10_000 }, (err, metadata) => {
        const topic = err ? undefined : metadata.topics.find((t) => t.name === this.topic);
        if (err) reject(asError(err));
        else if (!topic || topic.partitions.length === 0) reject(new Error(`topic ${this.topic} does not exist; run make schemas-register`));
        else resolve(topic.partitions.map((p) => p.id));
      });
    });
  }

  private end(consumer: RdKafka.KafkaConsumer, partition: number): Promise<number> {
    return new Promise((resolve, reject) => {
      consumer.queryWatermarkOffsets(this.topic, partition, 10_000, (err, offsets) => (err ? reject(asError(err)) : resolve(offsets.highOffset)));
    });
  }
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String((err as { message?: unknown }).message ?? err)));
