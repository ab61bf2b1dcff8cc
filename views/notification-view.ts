// The notification-view: the `notifications` inbox the gateway lists and the bridge replays to a
// device that connects. Only streams/processors/notification-view writes it.
import type { Collection } from 'mongodb';
import type { NotificationCreated } from '../domain/events.js';

/** The NotificationCreated payload plus who it is for and what became of it. */
export interface NotificationDocument extends NotificationCreated {
  _id: string; // notificationId
  userId: string;
  createdAt: number;
  /** When a device first acknowledged it (in-app delivery); null: not yet. */
  deliveredAt: number | null;
  /** Every channel it reached: in_app once a device acked, email and push (simulated). */
  deliveredVia: string[];
  readAt: number | null;
}

export async function ensureNotificationIndexes(collection: Collection<NotificationDocument>): Promise<void> {
  await collection.createIndex({ userId: 1, createdAt: -1 });
}
