// Read-your-writes: the task-view processor publishes, on task-views, what it did with each
// task event (applied, duplicate, rejected + reason + the resulting view), committed together
// with its input offset. A write registers a waiter for its event id BEFORE producing the event,
// and this consumer resolves it when the outcome arrives: no polling of the database.
//
// Every gateway replica reads every partition, from the end as of its start, with a plain
// assignment: no consumer group, no committed offsets (outcomes older than the process concern
// no waiting request).
import { randomUUID } from 'node:crypto';
import type { RdKafka } from '@confluentinc/kafka-javascript';
import { TopicTail } from '../platform/topic-tail.js';
import { abortableSleep } from '../platform/sleep.js';
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

/** The first retry of a failed start, doubled up to RETRY_MAX_MS while it keeps failing. */
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;

/**
 * Feeds the waiters from task-views, followed from its end on every partition
 * (platform/topic-tail.ts). A start that fails (the broker or the topic not there yet) is
 * retried in the background until it succeeds: until then writes answer 202, and the gateway
 * reports itself not ready (`following`), rather than answering 202 for the rest of its life.
 */
export class ViewChangeConsumer {
  private tail: TopicTail | null = null;
  private stopped = false;
  private retrying: Promise<void> | null = null;
  private readonly stopSignal = new AbortController();

  constructor(private readonly opts: ViewChangeConsumerOptions) {}

  /** Whether outcomes reach the waiters: false until a start succeeded. */
  get following(): boolean {
    return this.tail !== null;
  }

  /** Resolves after the first attempt: once following (nothing is missed from then on), or once it failed and retries began. */
  async start(): Promise<void> {
    if (!(await this.attempt())) this.retrying = this.keepTrying();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    await this.retrying;
    await this.tail?.stop();
  }

  private async keepTrying(): Promise<void> {
    for (let wait = RETRY_MIN_MS; !this.stopped; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
      await abortableSleep(wait, this.stopSignal.signal);
      if (this.stopped || (await this.attempt())) return;
    }
  }

  private async attempt(): Promise<boolean> {
    const tail = new TopicTail({
      brokers: this.opts.brokers,
      topic: contractFor('task-views', this.opts.topicPrefix).topic,
      // Never used to commit. A fixed prefix (behind TOPIC_PREFIX) so one prefixed group ACL
      // covers every gateway replica.
      groupId: `${this.opts.topicPrefix}${GATEWAY_GROUP_PREFIX}${randomUUID().slice(0, 8)}`,
      logger: this.opts.logger,
      fetchWaitMaxMs: 100,
    });
    try {
      await tail.start((message) => this.handle(message));
    } catch (err) {
      this.opts.logger.error({ err, topic: tail.topic }, 'cannot follow task-views (yet): writes answer 202 until it can; retrying');
      await tail.stop().catch(() => undefined);
      return false;
    }
    if (this.stopped) {
      await tail.stop();
      return true;
    }
    this.tail = tail;
    this.opts.logger.info({ topic: tail.topic, partitions: tail.partitionCount }, 'following task-views for read-your-writes');
    return true;
  }

  private handle(message: RdKafka.Message): void {
    if (this.opts.waiters.size === 0 || !message.value) return;
    // Not awaited: decoding (a registry lookup at worst) must not hold up the next outcome.
    this.opts.serde.decode<TaskViewChange>('task-views', message.value).then(
      // The view is rebuilt from its snapshot only for a write waiting here (a real cost at
      // hundreds of outcomes a second, most of them another replica's or a processor's own).
      (change) => this.opts.waiters.has(change.eventId) && this.opts.waiters.deliver(toViewOutcome(change)),
      (err: unknown) => this.opts.logger.warn({ err, partition: message.partition, offset: message.offset }, 'undecodable task-views record skipped'),
    );
  }
}
