// The caller's notifications inbox, read from the view the notification-view processor folds
// from the notifications topic. Marking one read produces NotificationRead; the processor, the
// inbox's only writer, sets readAt, and the answer waits (bounded) until it has, so the read
// side stays derived from the log alone.
import type { Collection } from 'mongodb';
import { z } from 'zod';
import { nameBasedId } from '../../domain/name-based-id.js';
import type { NotificationDocument } from '../../views/notification-view.js';
import { pollUntil } from '../bounded-poll.js';
import { db } from '../db.js';
import { NotFoundError, ValidationError } from '../../platform/http-errors.js';
import { userIdOf, type GatewayContext } from '../http/state.js';
import type { RouteSpec } from '../route-table.js';
import type { WritePath } from '../write-path.js';
import { NotificationSchema, type NotificationResource } from '../../contracts/notification-resource.js';
import { AcceptedSchema, ErrorSchema, IDEMPOTENCY_KEY, sendAccepted, type Clock } from './common.js';

export { NotificationSchema, type NotificationResource };

export interface NotificationRouteDeps {
  inbox: Collection<NotificationDocument>;
  writes: WritePath;
  clock: Clock;
  /** How long marking read waits for the inbox to show it (RYW_TIMEOUT_MS). */
  rywTimeoutMs: number;
}

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** FerretDB leaves null fields out of inserted documents: a missing time is null. */
export function toNotificationResource(doc: NotificationDocument): NotificationResource {
  return {
    id: doc._id,
    title: doc.title,
    body: doc.body,
    taskIds: doc.taskIds ?? [],
    channels: doc.channels ?? [],
    dueAt: iso(doc.dueAt)!,
    deliverAt: iso(doc.deliverAt)!,
    createdAt: iso(doc.createdAt)!,
    deliveredAt: iso(doc.deliveredAt),
    readAt: iso(doc.readAt),
  };
}

const ListQuery = z.strictObject({
  unread: z.enum(['true', 'false']).optional().meta({ description: 'true: only notifications not read yet' }),
  limit: z.coerce.number().int().min(1).max(200).optional().meta({ description: 'at most this many, newest first (default 50)' }),
});

const NOTIFICATION_ID = /^[A-Za-z0-9-]{1,64}$/;

export function notificationRoutes({ inbox, writes, clock, rywTimeoutMs }: NotificationRouteDeps): RouteSpec[] {
  const find = async (ctx: GatewayContext, id: string): Promise<NotificationDocument> => {
    const doc = NOTIFICATION_ID.test(id) ? await db('read a notification', () => inbox.findOne({ _id: id, userId: userIdOf(ctx) })) : null;
    if (!doc) throw new NotFoundError('notification not found');
    return doc;
  };

  /**
   * The notification once the view holds its readAt, or null after `timeoutMs`. The
   * notifications topic has no outcome topic like task-views, and a read is one small document:
   * a short, backed-off poll, as for settings.
   */
  const readApplied = (ctx: GatewayContext, id: string, timeoutMs: number): Promise<NotificationDocument | null> =>
    pollUntil(async () => {
      const doc = await find(ctx, id);
      return doc.readAt !== null && doc.readAt !== undefined ? doc : null;
    }, timeoutMs);

  return [
    {
      method: 'get',
      path: '/v1/notifications',
      operationId: 'listNotifications',
      summary: 'Your notifications, newest first',
      tag: 'notifications',
      auth: true,
      query: ListQuery,
      responses: {
        200: { description: 'the notifications', schema: z.object({ items: z.array(NotificationSchema) }) },
        400: { description: 'invalid parameter', schema: ErrorSchema },
        401: { description: 'missing, invalid or expired token', schema: ErrorSchema },
      },
      handler: async (ctx) => {
        const parsed = ListQuery.safeParse(ctx.query);
        if (!parsed.success) {
          const details = parsed.error.issues.map((i) => ({ path: String(i.path[0] ?? 'query'), code: i.code, message: i.message }));
          throw new ValidationError(details[0]!.message, { details });
        }
        const { unread, limit = 50 } = parsed.data;
        const filter = { userId: userIdOf(ctx), ...(unread === 'true' ? { readAt: null } : {}) };
        const docs = await db('list notifications', () => inbox.find(filter, { sort: { createdAt: -1 }, limit }).toArray());
        ctx.body = { items: docs.map(toNotificationResource) };
      },
    },
    {
      method: 'post',
      path: '/v1/notifications/:id/read',
      operationId: 'readNotification',
      summary: 'Mark a notification read',
      description: 'Idempotent: reading it again keeps the first readAt.',
      tag: 'notifications',
      auth: true,
      write: true,
      headers: [IDEMPOTENCY_KEY],
      responses: {
        200: { description: 'the notification, read', schema: NotificationSchema },
        202: { description: 'recorded; the inbox did not show it within the read-your-writes wait (or queued: broker away)', schema: AcceptedSchema },
        400: { description: 'invalid Idempotency-Key', schema: ErrorSchema },
        401: { description: 'missing, invalid or expired token', schema: ErrorSchema },
        404: { description: 'no such notification of yours', schema: ErrorSchema },
      },
      handler: async (ctx) => {
        const id = String(ctx.params.id);
        const before = await find(ctx, id);
        const userId = userIdOf(ctx);
        const now = clock.now();
        if (before.readAt === null || before.readAt === undefined) {
          const published = await writes.submitNotification(ctx, {
            eventId: nameBasedId('NotificationRead', id),
            type: 'NotificationRead',
            occurredAt: now,
            userId,
            notificationId: id,
            correlationId: ctx.state.correlationId,
            causationId: null,
            actor: `user:${userId}`,
            payload: { via: 'api' },
          });
          // The inbox has one writer, the notification-view processor: wait, bounded, until it
          // has applied the event, as every other write does.
          const read = published === 'queued' ? null : await readApplied(ctx, id, rywTimeoutMs);
          if (!read) {
            sendAccepted(ctx, published === 'queued' ? 'queued' : 'accepted', { eventId: nameBasedId('NotificationRead', id) });
            return;
          }
          ctx.body = toNotificationResource(read);
          return;
        }
        ctx.body = toNotificationResource(before);
      },
    },
  ];
}
