// Notifications to devices. Live ones come from the notifications topic; a device that
// connects also gets every notification of its user not yet delivered, from the inbox view
// (notification-view), so a user who was offline gets them all on connect. A device's ack
// records NotificationDelivered (in-app), after which no device gets it again on connect.
// A notification reaching one socket twice (live and from the inbox at connect) is sent once.
import type { Collection } from 'mongodb';
import type { NotificationPush } from '../contracts/socket-protocol.js';
import type { NotificationDocument } from '../views/notification-view.js';

export type { NotificationPush };

export interface NotificationSink {
  readonly userId: string;
  /** Emits with an ack callback; resolves when the device acked. */
  send(push: NotificationPush, acked: () => void): void;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function notificationPush(doc: Pick<NotificationDocument, '_id' | 'title' | 'body' | 'taskIds' | 'dueAt' | 'createdAt'>): NotificationPush {
  return { notification: { id: doc._id, title: doc.title, body: doc.body, taskIds: doc.taskIds, dueAt: iso(doc.dueAt), createdAt: iso(doc.createdAt) } };
}

/** Most notifications replayed on connect; older undelivered ones stay in the inbox (GET /v1/notifications). */
const INBOX_REPLAY_LIMIT = 100;

export class NotificationHub {
  private readonly byUser = new Map<string, Map<NotificationSink, Set<string>>>();

  constructor(
    private readonly inbox: Collection<NotificationDocument> | null,
    private readonly delivered: (userId: string, notificationId: string) => void,
    private readonly onPush: () => void = () => undefined,
  ) {}

  /** Registers a device, then sends what its user has not had delivered yet. */
  async connect(sink: NotificationSink): Promise<number> {
    let sinks = this.byUser.get(sink.userId);
    if (!sinks) this.byUser.set(sink.userId, (sinks = new Map<NotificationSink, Set<string>>()));
    sinks.set(sink, new Set());
    if (!this.inbox) return 0;
    const pending = await this.inbox.find({ userId: sink.userId, deliveredAt: null }).sort({ createdAt: 1 }).limit(INBOX_REPLAY_LIMIT).toArray();
    let sent = 0;
    for (const doc of pending) sent += this.sendTo(sink, notificationPush(doc));
    return sent;
  }

  disconnect(sink: NotificationSink): void {
    const sinks = this.byUser.get(sink.userId);
    if (!sinks?.delete(sink)) return;
    if (sinks.size === 0) this.byUser.delete(sink.userId);
  }

  /** A live notification: to every device of its user. */
  dispatch(userId: string, push: NotificationPush): number {
    let sent = 0;
    for (const sink of this.byUser.get(userId)?.keys() ?? []) sent += this.sendTo(sink, push);
    return sent;
  }

  private sendTo(sink: NotificationSink, push: NotificationPush): number {
    const seen = this.byUser.get(sink.userId)?.get(sink);
    if (!seen || seen.has(push.notification.id)) return 0;
    seen.add(push.notification.id);
    sink.send(push, () => this.delivered(sink.userId, push.notification.id));
    this.onPush();
    return 1;
  }
}
