// Read-your-writes: the task-view processor publishes, on task-views, what it did with each
// task event (applied, duplicate, rejected + reason + the resulting view), committed together
// with its input offset. A write registers a waiter for its event id BEFORE producing the event,
// and this consumer resolves it when the outcome arrives: no polling of the database.
//
// Every gateway replica reads every partition, from the end as of its start, with a plain
// assignment: no consumer group, no committed offsets (outcomes older than the process concern
// no waiting request).
import { randomUUID } from 'node:crypto';
import { TopicTail } from '../platform/topic-tail.js';
import { GATEWAY_GROUP_PREFIX } from '../platform/kafka-access.js';
import type { TaskViewChange } from '../domain/events.js';
import { fromSnapshot, type TaskView } from '../domain/task.js';
import { contractFor } from '../contracts/avro/catalog.js';
import type { EventSerde } from '../contracts/avro/serde.js';
import type { Logger } from '../platform/logger.js';

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
  since: number;
}

/** Told how long each answered write waited for its outcome (write → materialized answer). */
export type OnAnswered = (seconds: number, outcome: ViewOutcome['outcome']) => void;

/** The waiting half, independent of Kafka: unit-testable, and fed by ViewChangeConsumer. */
export class ViewChangeWaiters implements ViewChangeWaiter {
  private readonly waiters = new Map<string, Waiter>();

  constructor(private readonly onAnswered: OnAnswered = () => undefined) {}

  get size(): number {
    return this.waiters.size;
  }

  /** Whether a request here waits for this event: most outcomes answer another replica's writes. */
  has(eventId: string): boolean {
    return this.waiters.has(eventId);
  }

  expect(eventId: string, timeoutMs: number): PendingOutcome {
    let settle!: (outcome: ViewOutcome | null) => void;
    const promise = new Promise<ViewOutcome | null>((resolve) => (settle = resolve));
    const timer = setTimeout(() => this.settle(eventId, null), timeoutMs);
    this.waiters.set(eventId, { resolve: settle, timer, since: performance.now() });
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
    if (outcome) this.onAnswered((performance.now() - waiter.since) / 1000, outcome.outcome);
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

/** Feeds the waiters from task-views, followed from its end on every partition (platform/topic-tail.ts). */
export class ViewChangeConsumer {
  private readonly tail: TopicTail;

  constructor(private readonly opts: ViewChangeConsumerOptions) {
    this.tail = new TopicTail({
      brokers: opts.brokers,
      topic: contractFor('task-views', opts.topicPrefix).topic,
      // Never used to commit. A fixed prefix (behind TOPIC_PREFIX) so one prefixed group ACL
      // covers every gateway replica.
      groupId: `${opts.topicPrefix}${GATEWAY_GROUP_PREFIX}${randomUUID().slice(0, 8)}`,
      logger: opts.logger,
      fetchWaitMaxMs: 100,
    });
  }

  /** Resolves once every partition is assigned at its current end: from then on nothing is missed. */
  async start(): Promise<void> {
    await this.tail.start((message) => {
      if (this.opts.waiters.size === 0 || !message.value) return;
      // Not awaited: decoding (a registry lookup at worst) must not hold up the next outcome.
      this.opts.serde.decode<TaskViewChange>('task-views', message.value).then(
        // The view is rebuilt from its snapshot only for a write waiting here (a real cost at
        // hundreds of outcomes a second, most of them another replica's or a processor's own).
        (change) => this.opts.waiters.has(change.eventId) && this.opts.waiters.deliver(toViewOutcome(change)),
        (err: unknown) => this.opts.logger.warn({ err, partition: message.partition, offset: message.offset }, 'undecodable task-views record skipped'),
      );
    });
    this.opts.logger.info({ topic: this.tail.topic, partitions: this.tail.partitionCount }, 'following task-views for read-your-writes');
  }

  stop(): Promise<void> {
    return this.tail.stop();
  }
}
