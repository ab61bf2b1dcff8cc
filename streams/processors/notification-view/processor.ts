// notification-view: folds the notifications topic into the `notifications` inbox the gateway
// lists and the bridge replays to a device that connects. Every write is idempotent on its own
// (the database has no transactions): a NotificationCreated inserts only when absent, a delivery
// or a read sets its time only when unset. Redelivery, duplicates and the gateway's own direct
// write of readAt (for read-your-writes) all leave the same document.
import type { Collection } from 'mongodb';
import { notificationEventFromWire, type NotificationEvent } from '../../../domain/events.js';
import type { Processor } from '../../runtime/index.js';
import { decodeEvent } from '../decode.js';
import { ensureNotificationIndexes, type NotificationDocument } from '../../../views/notification-view.js';

export { ensureNotificationIndexes, type NotificationDocument };

export async function applyNotificationEvent(collection: Collection<NotificationDocument>, event: NotificationEvent): Promise<void> {
  const _id = event.notificationId;
  switch (event.type) {
    case 'NotificationCreated':
      // FerretDB 1.24 leaves null and empty-array fields of $setOnInsert out of the document;
      // readers treat a missing deliveredAt/readAt as null (so do MongoDB queries on null).
      await collection.updateOne(
        { _id },
        { $setOnInsert: { ...event.payload, userId: event.userId, createdAt: event.occurredAt, deliveredAt: null, deliveredVia: [], readAt: null } },
        { upsert: true },
      );
      return;
    case 'NotificationDelivered':
      await collection.updateOne({ _id }, { $addToSet: { deliveredVia: event.payload.channel } });
      if (event.payload.channel === 'in_app') await collection.updateOne({ _id, deliveredAt: null }, { $set: { deliveredAt: event.occurredAt } });
      return;
    case 'NotificationRead':
      await markRead(collection, _id, event.userId, event.occurredAt);
      return;
  }
}

/** Sets readAt unless already set; the gateway calls it too. True when the notification exists. */
export async function markRead(collection: Collection<NotificationDocument>, id: string, userId: string, at: number): Promise<boolean> {
  const result = await collection.updateOne({ _id: id, userId, readAt: null }, { $set: { readAt: at } });
  return result.matchedCount > 0 || (await collection.countDocuments({ _id: id, userId }, { limit: 1 })) > 0;
}

export function notificationViewProcessor({ collection, name = 'notification-view' }: { collection: Collection<NotificationDocument>; name?: string }): Processor {
  return {
    name,
    inputs: ['notifications'],
    async process(record) {
      await applyNotificationEvent(collection, decodeEvent(record, notificationEventFromWire));
    },
  };
}
