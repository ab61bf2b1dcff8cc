import assert from 'node:assert/strict';
import { DEFAULT_QUERY, type ListQuery } from './list-query.js';
import { isNews, TaskList } from './task-list.js';
import { aPush, aTask, changed } from './testing/tasks.js';
import type { Task } from './contract.js';

const ids = (list: TaskList): string[] => list.items.map((task) => task.id);

function loaded(tasks: Task[], { query = DEFAULT_QUERY, nextCursor = null }: { query?: ListQuery; nextCursor?: string | null } = {}): TaskList {
  const list = new TaskList();
  list.setQuery(query);
  assert.equal(list.applyPage(list.beginLoad('replace'), { items: tasks, nextCursor }), true);
  return list;
}

describe('web: task list', () => {
  describe('pushes are applied idempotently by version', () => {
    it('given a listed task, when a newer version is pushed, then the row shows it', () => {
      const task = aTask({ title: 'old title' });
      const list = loaded([task]);
      const outcome = list.applyPush(aPush(changed(task, { title: 'new title' })));
      assert.equal(outcome.kind, 'updated');
      assert.equal(list.items[0]!.title, 'new title');
      assert.equal(list.items[0]!.version, 2);
    });

    it('given a push already applied, when it is replayed, then it is a duplicate and not news', () => {
      const task = aTask();
      const list = loaded([task]);
      const push = aPush(changed(task, { title: 'renamed' }));
      assert.equal(isNews(list.applyPush(push)), true);
      const replay = list.applyPush(push);
      assert.equal(replay.kind, 'duplicate');
      assert.equal(isNews(replay), false);
      assert.deepEqual(ids(list), [task.id]);
    });

    it('given version 3 is known, when version 2 arrives late under another event, then it is stale and changes nothing', () => {
      const v1 = aTask();
      const v2 = changed(v1, { title: 'second' });
      const v3 = changed(v2, { title: 'third' });
      const list = loaded([v3]);
      const outcome = list.applyPush(aPush(v2));
      assert.equal(outcome.kind, 'stale');
      assert.equal(isNews(outcome), false);
      assert.equal(list.items[0]!.title, 'third');
    });

    it("given this tab's write already answered with version 2, when its push arrives, then it is news but the list is unchanged", () => {
      const v1 = aTask();
      const list = loaded([v1]);
      const v2 = changed(v1, { title: 'mine' });
      assert.equal(list.applyTask(v2).kind, 'updated');
      const outcome = list.applyPush(aPush(v2));
      assert.equal(outcome.kind, 'current');
      assert.equal(isNews(outcome), true);
      assert.deepEqual(list.items, [v2]);
    });

    it('given a listed task, when its deletion is pushed, then the row goes, and an older version cannot bring it back', () => {
      const v1 = aTask();
      const list = loaded([v1]);
      assert.equal(list.applyPush(aPush(changed(v1, { status: 'deleted' }), 'TaskDeleted')).kind, 'removed');
      assert.deepEqual(ids(list), []);
      assert.equal(list.applyPush(aPush(v1, 'TaskCreated')).kind, 'stale');
      assert.deepEqual(ids(list), []);
    });

    it('given a push without its task, when it is a deletion of a listed task, then the row goes', () => {
      const task = aTask();
      const list = loaded([task]);
      const outcome = list.applyPush({ ...aPush(task, 'TaskDeleted'), task: null });
      assert.equal(outcome.kind, 'removed');
      assert.equal(outcome.task?.title, task.title);
      assert.deepEqual(ids(list), []);
    });

    it('given this tab deleted a task (204), when the deletion is pushed, then it is news and the task stays gone', () => {
      const v1 = aTask();
      const list = loaded([v1]);
      assert.equal(list.markDeleted(v1.id).kind, 'removed');
      const outcome = list.applyPush(aPush(changed(v1, { status: 'deleted' }), 'TaskDeleted'));
      assert.equal(isNews(outcome), true);
      assert.deepEqual(ids(list), []);
    });
  });

  describe('filters and sort', () => {
    it('given a filtered list, when a new matching task is pushed, then it is inserted at its place in the sort', () => {
      const query = { ...DEFAULT_QUERY, priority: ['high' as const], sort: 'createdAt' as const };
      const first = aTask({ priority: 'high', createdAt: '2026-01-01T00:00:00.000Z' });
      const last = aTask({ priority: 'high', createdAt: '2026-01-03T00:00:00.000Z' });
      const list = loaded([first, last], { query });
      const middle = aTask({ priority: 'high', createdAt: '2026-01-02T00:00:00.000Z' });
      assert.equal(list.applyPush(aPush(middle, 'TaskCreated')).kind, 'inserted');
      assert.deepEqual(ids(list), [first.id, middle.id, last.id]);
    });

    it('given a filtered list, when a task that does not match is pushed, then it is news but not listed', () => {
      const list = loaded([], { query: { ...DEFAULT_QUERY, tags: ['work'] } });
      const outcome = list.applyPush(aPush(aTask({ tags: ['home'] }), 'TaskCreated'));
      assert.equal(outcome.kind, 'outside');
      assert.equal(isNews(outcome), true);
      assert.deepEqual(ids(list), []);
    });

    it('given a list of pending tasks, when one is completed elsewhere, then it leaves the list', () => {
      const task = aTask();
      const list = loaded([task], { query: { ...DEFAULT_QUERY, status: ['pending'] } });
      assert.equal(list.applyPush(aPush(changed(task, { status: 'completed' }), 'TaskCompleted')).kind, 'removed');
      assert.deepEqual(ids(list), []);
    });

    it('given the priority sort, when a task is raised to high, then it moves to the top', () => {
      const query = { ...DEFAULT_QUERY, sort: 'priority' as const };
      const high = aTask({ priority: 'high' });
      const low = aTask({ priority: 'low' });
      const list = loaded([high, low], { query });
      list.applyPush(aPush(changed(low, { priority: 'high' })));
      assert.deepEqual(ids(list), [low.id, high.id]);
    });
  });

  describe('pages', () => {
    it('given more pages to load, when a task sorting after the loaded ones is pushed, then it waits for "load more" and is listed once', () => {
      const query = { ...DEFAULT_QUERY, sort: 'createdAt' as const };
      const a = aTask({ createdAt: '2026-01-01T00:00:00.000Z' });
      const b = aTask({ createdAt: '2026-01-02T00:00:00.000Z' });
      const c = aTask({ createdAt: '2026-01-03T00:00:00.000Z' });
      const list = loaded([a, b], { query, nextCursor: 'after-b' });
      assert.equal(list.applyPush(aPush(c, 'TaskCreated')).kind, 'outside');
      assert.deepEqual(ids(list), [a.id, b.id]);
      const ticket = list.beginLoad('append');
      assert.equal(ticket.cursor, 'after-b');
      assert.equal(list.applyPage(ticket, { items: [c], nextCursor: null }), true);
      assert.deepEqual(ids(list), [a.id, b.id, c.id]);
      assert.equal(list.nextCursor, null);
    });

    it('given a page in flight, when pushes arrive before it, then the page neither hides a new task nor brings back an old version', () => {
      const list = new TaskList();
      const ticket = list.beginLoad('replace');
      const kept = aTask({ title: 'v1' });
      const created = aTask({ title: 'created while loading' });
      list.applyPush(aPush(changed(kept, { title: 'v2' })));
      list.applyPush(aPush(created, 'TaskCreated'));
      // The server read the page before both changes.
      assert.equal(list.applyPage(ticket, { items: [kept], nextCursor: null }), true);
      assert.deepEqual(
        list.items.map((task) => task.title),
        ['created while loading', 'v2'],
      );
    });

    it('given a task deleted by this tab, when a page read before the deletion arrives, then it stays gone', () => {
      const task = aTask();
      const list = loaded([task]);
      const ticket = list.beginLoad('replace');
      list.markDeleted(task.id);
      list.applyPage(ticket, { items: [task], nextCursor: null });
      assert.deepEqual(ids(list), []);
    });

    it('given new filters, when a page of the old ones arrives, then it is refused', () => {
      const list = new TaskList();
      const old = list.beginLoad('replace');
      list.setQuery({ ...DEFAULT_QUERY, q: 'milk' });
      const current = list.beginLoad('replace');
      assert.equal(list.applyPage(old, { items: [aTask({ title: 'bread' })], nextCursor: null }), false);
      assert.deepEqual(ids(list), []);
      assert.equal(list.applyPage(current, { items: [], nextCursor: null }), true);
    });

    it('given a next page already applied, when the same ticket comes back, then it is refused', () => {
      const query = { ...DEFAULT_QUERY, sort: 'createdAt' as const };
      const list = loaded([aTask()], { query, nextCursor: 'next' });
      const ticket = list.beginLoad('append');
      const second = aTask();
      assert.equal(list.applyPage(ticket, { items: [second], nextCursor: 'after' }), true);
      assert.equal(list.applyPage(ticket, { items: [second], nextCursor: 'after' }), false);
      assert.equal(list.items.length, 2);
    });
  });
});
