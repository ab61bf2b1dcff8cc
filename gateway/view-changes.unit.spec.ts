// Waiters for view outcomes: resolved by the outcome of their own event only, once, or with
// null when the time is up; a cancelled waiter is forgotten.
import assert from 'node:assert/strict';
import { ViewChangeWaiters, type ViewOutcome } from './view-changes.js';

const outcome = (eventId: string, over: Partial<ViewOutcome> = {}): ViewOutcome => ({
  eventId,
  taskId: 't1',
  outcome: 'applied',
  reason: null,
  message: null,
  view: null,
  ...over,
});

describe('gateway: view-change waiters', () => {
  it('resolves a waiter with the outcome of its event, ignoring others and later copies', async () => {
    const waiters = new ViewChangeWaiters();
    const pending = waiters.expect('e1', 5000);
    waiters.deliver(outcome('other'));
    waiters.deliver(outcome('e1', { outcome: 'rejected', reason: 'VERSION_MISMATCH' }));
    waiters.deliver(outcome('e1', { outcome: 'duplicate' }));
    const got = await pending.promise;
    assert.equal(got?.outcome, 'rejected');
    assert.equal(got?.reason, 'VERSION_MISMATCH');
    assert.equal(waiters.size, 0);
  });

  it('resolves with null when no outcome arrives in time', async () => {
    const waiters = new ViewChangeWaiters();
    assert.equal(await waiters.expect('e1', 5).promise, null);
    assert.equal(waiters.size, 0);
  });

  it('forgets a cancelled waiter', async () => {
    const waiters = new ViewChangeWaiters();
    const pending = waiters.expect('e1', 5000);
    pending.cancel();
    assert.equal(await pending.promise, null);
    assert.equal(waiters.size, 0);
  });
});
