import assert from 'node:assert/strict';
import { describeHistoryEntry, touchedIds } from './chat.js';
import type { HistoryEntry, Task } from './contract.js';

const entry = (over: Partial<HistoryEntry>): HistoryEntry => ({
  eventId: 'e', type: 'TaskUpdated', occurredAt: '2026-03-06T15:00:00.000Z', actor: 'user:ana', correlationId: 'c',
  outcome: 'applied', reason: null, message: null, version: 2, changes: [], ...over,
});

describe('web: chat panel and history words', () => {
  it('names the tasks an answer touched, once each', () => {
    const t = (id: string) => ({ id }) as Task;
    assert.deepEqual(touchedIds({ reply: '', actions: [], tasks: [t('a'), t('b'), t('a')] }), ['a', 'b']);
  });

  it('says what an applied change did, and why a rejected one did not apply', () => {
    assert.deepEqual(describeHistoryEntry(entry({ changes: [{ field: 'title', before: 'a', after: 'b' }] })), {
      headline: 'Changed',
      outcome: 'applied, version 2',
      detail: 'title: "a" → "b" — by user:ana',
    });
    assert.equal(describeHistoryEntry(entry({ outcome: 'rejected', reason: 'VERSION_MISMATCH' })).outcome, 'rejected (version mismatch)');
    assert.equal(describeHistoryEntry(entry({ type: 'TaskCreated', actor: 'system:recurrence' })).detail, 'by system:recurrence');
  });
});
