// The notifications inbox as the page holds it: a page from GET /v1/notifications merged with
// the notifications the bridge pushes while the tab is open, newest first, one entry per id.
// Pure, so the merge rules (a push never undoes a read, a reload keeps what it did not return
// yet) are tested without a browser.
import type { NotificationPush, NotificationResource } from './contract.js';

/** A notification as GET /v1/notifications lists it (the fields the page uses). */
export type InboxItem = Pick<NotificationResource, 'id' | 'title' | 'body' | 'taskIds' | 'dueAt' | 'createdAt' | 'readAt'>;

export class Inbox {
  private readonly byId = new Map<string, InboxItem>();

  /** Newest first (by createdAt, then id, so equal times keep one order). */
  get items(): InboxItem[] {
    return [...this.byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  get unread(): number {
    let count = 0;
    for (const item of this.byId.values()) if (item.readAt === null) count++;
    return count;
  }

  /** A page from the API: its entries replace what is held for them (it is the newer word on readAt). */
  load(items: readonly InboxItem[]): void {
    for (const item of items) this.byId.set(item.id, { ...item });
  }

  /** A pushed notification: new ones arrive unread; one already held keeps its read state. Returns whether it was new. */
  receive({ notification }: NotificationPush): boolean {
    if (this.byId.has(notification.id)) return false;
    this.byId.set(notification.id, { ...notification, taskIds: [...notification.taskIds], readAt: null });
    return true;
  }

  /** The API's answer to "mark read". */
  markRead(item: InboxItem): void {
    this.byId.set(item.id, { ...item });
  }

  clear(): void {
    this.byId.clear();
  }
}
