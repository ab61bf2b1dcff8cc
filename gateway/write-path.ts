// A validated write becomes one event: encoded (Confluent-framed Avro), keyed by the user,
// produced with the request's correlation id and trace context in its headers. Then, unless the
// client asked for `Prefer: respond-async` or the broker is away (outbox), the answer waits,
// bounded, for the task view to apply the event, so the client reads its own write.
import { notificationEventToWire, taskEventToWire, userEventToWire, type NotificationEvent, type TaskEvent, type UserEvent } from '../domain/events.js';
import type { TaskView } from '../domain/task.js';
import { contractFor } from '../contracts/avro/catalog.js';
import type { EventSerde } from '../contracts/avro/serde.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../platform/http-errors.js';
import type { GatewayContext } from './http/state.js';
import type { GatewayMetrics } from './metrics.js';
import type { EventPublisher } from './publisher.js';
import type { ViewChangeWaiter } from './view-changes.js';

export interface WritePathDeps {
  serde: EventSerde;
  publisher: EventPublisher;
  viewChanges: ViewChangeWaiter;
  metrics: GatewayMetrics;
  topicPrefix: string;
  rywTimeoutMs: number;
}

export type WriteResult =
  | { kind: 'applied'; view: TaskView }
  /** accepted: in the log, view not (yet) confirmed; queued: in the outbox. */
  | { kind: 'accepted' | 'queued'; taskId: string; eventId: string };

/** RFC 7240: `respond-async`, and `wait=<seconds>` to shorten the read-your-writes wait. */
export function parsePrefer(header: string): { async: boolean; waitMs: number | null } {
  const prefs = header
    .toLowerCase()
    .split(',')
    .map((p) => p.trim());
  const wait = prefs.map((p) => /^wait\s*=\s*(\d+)$/.exec(p)).find(Boolean);
  return { async: prefs.includes('respond-async'), waitMs: wait ? Number(wait[1]) * 1000 : null };
}

const headersOf = (ctx: GatewayContext, type: string) => ({
  'correlation-id': ctx.state.correlationId,
  traceparent: ctx.state.traceparent,
  'event-type': type,
});

type WrittenTopic = 'task-events' | 'user-events' | 'notifications';

export class WritePath {
  /** The physical names, resolved once: the write path is hot. */
  private readonly topics: Record<WrittenTopic, string>;

  constructor(private readonly deps: WritePathDeps) {
    const physical = (topic: WrittenTopic) => contractFor(topic, deps.topicPrefix).topic;
    this.topics = { 'task-events': physical('task-events'), 'user-events': physical('user-events'), notifications: physical('notifications') };
  }

  /** Produces one encoded event, keyed by its user, with the request's trace headers. */
  private publish(ctx: GatewayContext, topic: WrittenTopic, event: { eventId: string; userId: string; type: string }, value: Buffer) {
    return this.deps.publisher.publish({ topic: this.topics[topic], key: event.userId, value, headers: headersOf(ctx, event.type), eventId: event.eventId });
  }

  async submitTask(ctx: GatewayContext, event: TaskEvent): Promise<WriteResult> {
    const value = this.deps.serde.encode('task-events', taskEventToWire(event));
    const prefer = parsePrefer(ctx.get('prefer'));
    if (prefer.async) ctx.set('Preference-Applied', 'respond-async');
    const timeoutMs = Math.min(this.deps.rywTimeoutMs, prefer.waitMs ?? Infinity);
    // Registered before producing: the outcome may arrive before send() returns.
    const pending = prefer.async ? null : this.deps.viewChanges.expect(event.eventId, timeoutMs);
    let published;
    try {
      published = await this.publish(ctx, 'task-events', event, value);
    } catch (err) {
      pending?.cancel();
      throw err;
    }
    const ids = { taskId: event.taskId, eventId: event.eventId };
    if (published === 'queued') {
      pending?.cancel();
      this.deps.metrics.readYourWrites.inc({ result: 'queued' });
      return { kind: 'queued', ...ids };
    }
    if (!pending) {
      this.deps.metrics.readYourWrites.inc({ result: 'async' });
      return { kind: 'accepted', ...ids };
    }
    const outcome = await pending.promise;
    if (!outcome) {
      this.deps.metrics.readYourWrites.inc({ result: 'timeout' });
      // info, not warn: under overload every request would log it; the metric above counts them.
      ctx.state.log.info({ eventId: event.eventId, timeoutMs }, 'view did not confirm the write in time; answering 202');
      return { kind: 'accepted', ...ids };
    }
    this.deps.metrics.readYourWrites.inc({ result: outcome.outcome });
    if (outcome.outcome !== 'rejected') {
      // A duplicate means the event had already been applied (a redelivery): same answer.
      return outcome.view ? { kind: 'applied', view: outcome.view } : { kind: 'accepted', ...ids };
    }
    switch (outcome.reason) {
      case 'VERSION_MISMATCH':
        throw new ConflictError('VERSION_MISMATCH', outcome.message ?? 'the task changed since the version in If-Match');
      case 'INVALID_TRANSITION':
        throw new ConflictError('INVALID_TRANSITION', outcome.message ?? 'the task is not in a state that allows this');
      case 'ALREADY_EXISTS':
        throw new ConflictError('ALREADY_EXISTS', outcome.message ?? 'the task already exists');
      case 'UNPROCESSABLE':
        // The event was dead-lettered (the store refused it for good): nothing changed.
        throw new UnprocessableError('EVENT_UNPROCESSABLE', 'the change could not be stored and was not applied', {
          details: { eventId: event.eventId, cause: outcome.message },
        });
      default:
        // NOT_FOUND, DELETED, and any reason this gateway does not know yet.
        throw new NotFoundError('task not found');
    }
  }

  /** User events have no view outcome topic: the caller confirms against the settings view. */
  submitUser(ctx: GatewayContext, event: UserEvent): Promise<'sent' | 'queued'> {
    return this.publish(ctx, 'user-events', event, this.deps.serde.encode('user-events', userEventToWire(event)));
  }

  /** A user's action on a notification (read); the caller updates the inbox itself. */
  submitNotification(ctx: GatewayContext, event: NotificationEvent): Promise<'sent' | 'queued'> {
    return this.publish(ctx, 'notifications', event, this.deps.serde.encode('notifications', notificationEventToWire(event)));
  }
}
