import assert from 'node:assert/strict';
import { Inbox, type InboxItem } from './inbox.js';

const item = (id: string, minute: number, readAt: string | null = null): InboxItem => ({
  id,
  title: `Reminder: ${id}`,
  body: '',
  taskIds: [],
  dueAt: new Date(Date.UTC(2026, 0, 1, 9, minute)).toISOString(),
  createdAt: new Date(Date.UTC(2026, 0, 1, 9, minute)).toISOString(),
  readAt,
});
const push = ({ id, title, body, taskIds, dueAt, createdAt }: InboxItem) => ({ notification: { id, title, body, taskIds, dueAt, createdAt } });

describe('web: notifications inbox', () => {
  it('given a loaded page and a push, then the push shows first, unread, and the count follows', () => {
    const inbox = new Inbox();
    inbox.load([item('b', 2, '2026-01-01T10:00:00.000Z'), item('a', 1)]);
    assert.equal(inbox.receive(push(item('c', 3))), true);
    assert.deepEqual(
      inbox.items.map((i) => [i.id, i.readAt === null]),
      [
        ['c', true],
        ['b', false],
        ['a', true],
      ],
    );
    assert.equal(inbox.unread, 2);
  });

  it('given a notification already read, when it is pushed again (a redelivery), then it stays read and is not new', () => {
    const inbox = new Inbox();
    inbox.receive(push(item('a', 1)));
    inbox.markRead(item('a', 1, '2026-01-01T10:00:00.000Z'));
    assert.equal(inbox.receive(push(item('a', 1))), false);
    assert.equal(inbox.unread, 0);
    assert.equal(inbox.items.length, 1);
  });
});
