import assert from 'node:assert/strict';
import { createTask, lifecycleEvent, updateTask, type CommandContext } from './task-commands.js';
import { applyTaskEvent, type ApplyResult, type TaskView } from './task.js';
import { taskFields } from './testing/task-fields.js';

let ids = 0;
const ctx = (now: number): CommandContext => ({ userId: 'alice', correlationId: 'c-1', now, newId: () => `id-${++ids}` });
const fields = taskFields({ title: 'Pay rent', tags: ['home'] });

function applied(result: ApplyResult): TaskView {
  assert.equal(result.outcome, 'applied', JSON.stringify(result));
  return (result as { view: TaskView }).view;
}

describe('domain: task fold', () => {
  const created = createTask(ctx(1000), 'task-1', fields);
  const view1 = applied(applyTaskEvent(null, created));

  it('given nothing, when TaskCreated, then a pending task at version 1', () => {
    assert.deepEqual(view1, {
      ...fields,
      id: 'task-1',
      userId: 'alice',
      status: 'pending',
      version: 1,
      createdAt: 1000,
      updatedAt: 1000,
      completedAt: null,
      seriesId: null,
      lastEventId: created.eventId,
    });
  });

  it('applying the same event twice changes nothing the second time', () => {
    assert.deepEqual(applyTaskEvent(view1, created), { outcome: 'duplicate' });
    const done = lifecycleEvent(ctx(2000), 'TaskCompleted', 'task-1', null);
    const view2 = applied(applyTaskEvent(view1, done));
    assert.deepEqual(applyTaskEvent(view2, done), { outcome: 'duplicate' });
  });

  it('an update applies only the fields it changed, so a stale read cannot undo another change', () => {
    const retitle = updateTask(ctx(2000), view1, { title: 'Pay the rent' }, null)!;
    const retag = updateTask(ctx(2001), view1, { tags: ['money'] }, null)!; // computed from the same old read
    const view3 = applied(applyTaskEvent(applied(applyTaskEvent(view1, retitle)), retag));
    assert.equal(view3.title, 'Pay the rent');
    assert.deepEqual(view3.tags, ['money']);
    assert.equal(view3.version, 3);
    assert.deepEqual(retitle.payload.changed, ['title']);
  });

  it('an update that changes nothing is no event at all', () => {
    assert.equal(updateTask(ctx(2000), view1, { title: 'Pay rent', tags: ['home'] }, 1), null);
  });

  it('rejects a stale If-Match, so of two concurrent writes on one version only the first applies', () => {
    const first = updateTask(ctx(2000), view1, { title: 'A' }, 1)!;
    const second = updateTask(ctx(2001), view1, { title: 'B' }, 1)!;
    const view2 = applied(applyTaskEvent(view1, first));
    const result = applyTaskEvent(view2, second);
    assert.equal(result.outcome, 'rejected');
    assert.equal((result as { reason: string }).reason, 'VERSION_MISMATCH');
  });

  it('completes, reopens and deletes, and rejects what no longer applies', () => {
    const completed = applied(applyTaskEvent(view1, lifecycleEvent(ctx(3000), 'TaskCompleted', 'task-1', null)));
    assert.equal(completed.status, 'completed');
    assert.equal(completed.completedAt, 3000);
    const again = applyTaskEvent(completed, lifecycleEvent(ctx(3001), 'TaskCompleted', 'task-1', null));
    assert.equal((again as { reason: string }).reason, 'INVALID_TRANSITION');
    const reopened = applied(applyTaskEvent(completed, lifecycleEvent(ctx(4000), 'TaskReopened', 'task-1', null)));
    assert.deepEqual([reopened.status, reopened.completedAt], ['pending', null]);
    const deleted = applied(applyTaskEvent(reopened, lifecycleEvent(ctx(5000), 'TaskDeleted', 'task-1', null)));
    const afterDelete = applyTaskEvent(deleted, lifecycleEvent(ctx(6000), 'TaskCompleted', 'task-1', null));
    assert.equal((afterDelete as { reason: string }).reason, 'DELETED');
  });

  it('rejects events for a task that was never created, and a second creation', () => {
    const orphan = applyTaskEvent(null, lifecycleEvent(ctx(1), 'TaskCompleted', 'nope', null));
    assert.equal((orphan as { reason: string }).reason, 'NOT_FOUND');
    const twice = applyTaskEvent(view1, createTask(ctx(2), 'task-1', fields));
    assert.equal((twice as { reason: string }).reason, 'ALREADY_EXISTS');
  });
});
