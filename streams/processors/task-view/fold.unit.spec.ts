import assert from 'node:assert/strict';
import type { TaskEvent } from '../../../domain/events.js';
import { createTask, lifecycleEvent, updateTask, type CommandContext } from '../../../domain/task-commands.js';
import { foldEvent, RECENT_EVENT_IDS, viewChange, type FoldResult, type Position, type StoredTask } from './fold.js';
import { taskFields } from '../../../domain/testing/task-fields.js';

let ids = 0;
const ctx = (now: number, userId = 'alice'): CommandContext => ({ userId, correlationId: 'c-1', now, newId: () => `e-${++ids}` });
const fields = taskFields({ title: 'Pay rent', tags: ['home'] });
const at = (offset: number, partition = 3): Position => ({ partition, offset });

/** Folds events at consecutive offsets, asserting each writes; returns the last stored state. */
function foldAll(events: TaskEvent[], first = 0): StoredTask {
  let stored: StoredTask | null = null;
  events.forEach((event, i) => {
    const result = foldEvent(stored, event, at(first + i));
    assert.ok(result.next, `${event.type} at ${first + i} should write`);
    stored = result.next;
  });
  return stored!;
}

function expectOutcome(result: FoldResult, outcome: FoldResult['outcome'], reason: string | null = null) {
  assert.equal(result.outcome, outcome, JSON.stringify(result));
  assert.equal(result.reason, reason);
}

describe('task-view: idempotent fold', () => {
  const created = createTask(ctx(1000), 'task-1', fields);

  it('given nothing, when TaskCreated, then a task at version 1 that remembers the event and its position', () => {
    const result = foldEvent(null, created, at(7));
    expectOutcome(result, 'applied');
    assert.equal(result.view?.version, 1);
    assert.deepEqual(result.next?.position, at(7));
    assert.deepEqual(result.next?.recentEventIds, [created.eventId]);
    assert.deepEqual(result.next?.recentEventOffsets, [7]);
  });

  it('given an applied event, when it is delivered again from the offset it was applied from, then applied again (its announcement never committed), with the stored view and nothing to write', () => {
    const done = lifecycleEvent(ctx(2000), 'TaskCompleted', 'task-1', null);
    const stored = foldAll([created, done]);
    for (const [event, offset] of [[created, 0], [done, 1]] as const) {
      const again = foldEvent(stored, event, at(offset));
      expectOutcome(again, 'applied');
      assert.equal(again.redelivered, true);
      assert.equal(again.next, null);
      assert.deepEqual(again.view, stored.view, 'the task as stored, after its last event');
    }
  });

  it('given a document written before it recorded offsets, when an applied event is redelivered, then duplicate as before', () => {
    const stored = { ...foldAll([created]), recentEventOffsets: [] };
    expectOutcome(foldEvent(stored, created, at(0)), 'duplicate');
    // Its next applied event starts the offsets, aligned with the newest ids.
    const done = lifecycleEvent(ctx(2000), 'TaskCompleted', 'task-1', null);
    const next = foldEvent(stored, done, at(1)).next!;
    assert.deepEqual([next.recentEventIds.length, next.recentEventOffsets], [2, [1]]);
    expectOutcome(foldEvent(next, done, at(1)), 'applied');
    expectOutcome(foldEvent(next, created, at(0)), 'duplicate');
  });

  it('given an applied event, when the same event id comes again later in the log, then duplicate', () => {
    const done = lifecycleEvent(ctx(2000), 'TaskCompleted', 'task-1', null);
    const stored = foldAll([created, done, lifecycleEvent(ctx(3000), 'TaskReopened', 'task-1', null)]);
    const resent = foldEvent(stored, done, at(10));
    expectOutcome(resent, 'duplicate');
    assert.equal(resent.next, null);
  });

  it('given a rejected event and later changes, when the rejected one is redelivered, then the same rejection, not an apply', () => {
    const view1 = foldAll([created]);
    const complete = lifecycleEvent(ctx(2000), 'TaskCompleted', 'task-1', null);
    const view2 = foldEvent(view1, complete, at(1)).next!;
    const completeAgain = lifecycleEvent(ctx(2001), 'TaskCompleted', 'task-1', null);
    const rejected = foldEvent(view2, completeAgain, at(2));
    expectOutcome(rejected, 'rejected', 'INVALID_TRANSITION');
    assert.equal(rejected.view?.version, 2, 'reports the current view');
    assert.equal(rejected.next?.view, view2.view, 'records the rejection, view untouched');
    const reopened = foldEvent(rejected.next, lifecycleEvent(ctx(3000), 'TaskReopened', 'task-1', null), at(3)).next!;

    // Judged again, the second complete would now apply; it must keep its first outcome.
    const replay = foldEvent(reopened, completeAgain, at(2));
    expectOutcome(replay, 'rejected', 'INVALID_TRANSITION');
    assert.equal(replay.next, null);
  });

  it('rejects a stale If-Match and keeps the view', () => {
    const view1 = foldAll([created]);
    const first = updateTask(ctx(2000), view1.view, { title: 'A' }, 1)!;
    const second = updateTask(ctx(2001), view1.view, { title: 'B' }, 1)!;
    const view2 = foldEvent(view1, first, at(1)).next!;
    const result = foldEvent(view2, second, at(2));
    expectOutcome(result, 'rejected', 'VERSION_MISMATCH');
    assert.equal(result.next?.view.title, 'A');
  });

  it('given a deleted task, when events keep coming, then each is rejected DELETED with nothing to write, before or after a replay', () => {
    const deleted = foldAll([created, lifecycleEvent(ctx(2000), 'TaskDeleted', 'task-1', null)]);
    assert.equal(deleted.view.status, 'deleted');
    const late = foldEvent(deleted, lifecycleEvent(ctx(3000), 'TaskCompleted', 'task-1', null), at(5));
    expectOutcome(late, 'rejected', 'DELETED');
    assert.equal(late.next, null, 'a tombstone does not record what it rejects');
    assert.equal(late.view?.status, 'deleted');
    const recreate = foldEvent(deleted, createTask(ctx(3500), 'task-1', fields), at(6));
    expectOutcome(recreate, 'rejected', 'ALREADY_EXISTS');
    assert.equal(recreate.next, null, 'a tombstone keeps the position of its delete');
  });

  it("never reveals or touches another user's task", () => {
    const stored = foldAll([created]);
    const intruder = lifecycleEvent(ctx(2000, 'mallory'), 'TaskDeleted', 'task-1', null);
    const result = foldEvent(stored, intruder, at(1));
    expectOutcome(result, 'rejected', 'NOT_FOUND');
    assert.equal(result.view, null);
    assert.equal(result.next, null);
  });

  it('given more events than the id window holds, when an old one is redelivered at its position, then it is still not applied', () => {
    const updates = Array.from({ length: RECENT_EVENT_IDS + 5 }, (_, i) => lifecycleEvent(ctx(2000 + i), i % 2 ? 'TaskReopened' : 'TaskCompleted', 'task-1', null));
    const stored = foldAll([created, ...updates]);
    assert.equal(stored.recentEventIds.length, RECENT_EVENT_IDS);
    assert.ok(!stored.recentEventIds.includes(updates[0]!.eventId));
    const replay = foldEvent(stored, updates[0]!, at(1));
    expectOutcome(replay, 'duplicate');
    assert.equal(replay.next, null);
  });

  it('given a task from another partition (a resized topic), compares ids only', () => {
    const stored = foldAll([created]);
    const done = lifecycleEvent(ctx(2000), 'TaskCompleted', 'task-1', null);
    expectOutcome(foldEvent(stored, done, at(0, 5)), 'applied');
  });

  it('describes each outcome as a task-views record', () => {
    const result = foldEvent(null, created, at(7));
    const change = viewChange(created, at(7), result);
    assert.equal(change.outcome, 'applied');
    assert.equal(change.view?.version, 1);
    assert.deepEqual(change.view?.fields, fields);
    assert.deepEqual([change.sourcePartition, change.sourceOffset, change.eventType], [3, 7, 'TaskCreated']);
    const missing = viewChange(created, at(8), foldEvent(null, lifecycleEvent(ctx(1), 'TaskCompleted', 'nope', null), at(8)));
    assert.deepEqual([missing.outcome, missing.reason, missing.view], ['rejected', 'NOT_FOUND', null]);
  });
});
