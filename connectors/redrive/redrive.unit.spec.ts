import assert from 'node:assert/strict';
import { backoffMs, decide, headerText, REDRIVE_HEADERS, retryHeaders, type Decision, type RedrivePolicy } from './redrive.js';
import { deadLetterHeaders } from './testing/dead-letters.js';

// Given a dead letter as Connect wrote it (the captured headers), when the re-drive decides,
// then it re-drives what failed in the write stage for a transient reason, at its due time, and
// parks everything else with the reason.
describe('audit re-drive: what to do with a dead letter', () => {
  const prefix = 't-';
  const captured = deadLetterHeaders(prefix);
  const policy: RedrivePolicy = { maxAttempts: 12, initialBackoffMs: 2000, maxBackoffMs: 60_000, jitter: 0.2, neverRedriven: new Set([`${prefix}task-views`]) };
  const at = Date.parse('2026-12-02T13:22:47.100Z');
  const noJitter = () => 0;
  const redriven = (d: Decision): Extract<Decision, { action: 'redrive' }> => {
    if (d.action !== 'redrive') assert.fail(`not re-driven: ${JSON.stringify(d)}`);
    return d;
  };

  it('re-drives the outage’s dead letter 2 s after it failed, as attempt 1 from its own topic', () => {
    const d = redriven(decide({ headers: captured.outage, timestamp: at }, policy, noJitter));
    assert.deepEqual(d, { action: 'redrive', attempt: 1, origin: `${prefix}task-events`, firstFailedAt: at, dueAt: at + 2000, code: 'MONGO_InternalError' });
  });

  it('re-drives a re-sent record that failed again as the next attempt, keeping its origin and first failure', () => {
    const firstFailedAt = at - 5000;
    const headers = { ...captured.outageRetried, [REDRIVE_HEADERS.firstFailedAt]: String(firstFailedAt) };
    const d = redriven(decide({ headers, timestamp: at }, policy, noJitter));
    assert.equal(d.attempt, 2);
    assert.equal(d.origin, `${prefix}task-events`, 'the origin, not the retry topic it failed in');
    assert.equal(d.firstFailedAt, firstFailedAt);
    assert.equal(d.dueAt, at + 4000);
  });

  it('re-drives a Java driver socket failure', () => {
    assert.equal(decide({ headers: captured.socket, timestamp: at }, policy).action, 'redrive');
  });

  it('parks the NUL refusal as permanent, with its SQLSTATE', () => {
    assert.deepEqual(decide({ headers: captured.nul, timestamp: at }, policy), {
      action: 'park', reason: 'permanent', code: 'SQLSTATE_22P05', origin: `${prefix}task-events`, attempts: 0, firstFailedAt: at,
    });
  });

  it('parks a converter failure: the bytes are wrong, not the database', () => {
    const d = decide({ headers: captured.converter, timestamp: at }, policy);
    assert.deepEqual([d.action, d.action === 'park' && d.reason, d.code], ['park', 'not-write-stage', 'STAGE_VALUE_CONVERTER']);
  });

  it('parks a record of the outcomes topic, whose ids are its topic-partition-offset', () => {
    const outcome = { ...captured.outage, '__connect.errors.topic': `${prefix}task-views` };
    const d = decide({ headers: outcome, timestamp: at }, policy);
    assert.equal(d.action === 'park' && d.reason, 'outcomes-topic');
  });

  it('parks a record past its attempts, and one whose headers are not Connect’s or were altered', () => {
    const last = { ...captured.outageRetried, [REDRIVE_HEADERS.attempt]: '12' };
    const exhausted = decide({ headers: last, timestamp: at }, policy);
    assert.deepEqual(exhausted.action === 'park' && [exhausted.reason, exhausted.attempts, exhausted.code], ['attempts-exhausted', 12, 'MONGO_InternalError']);
    assert.equal(redriven(decide({ headers: { ...last, [REDRIVE_HEADERS.attempt]: '11' }, timestamp: at }, policy)).attempt, 12);
    for (const headers of [{ 'correlation-id': 'c' }, { ...captured.outage, [REDRIVE_HEADERS.attempt]: 'two' }]) {
      const d = decide({ headers, timestamp: at }, policy);
      assert.equal(d.action === 'park' && d.reason, 'no-context', JSON.stringify(headers));
    }
  });

  it('waits 2 s doubling up to 60 s, shortened by at most the jitter: 12 attempts cover about 8 minutes', () => {
    const waits = Array.from({ length: 12 }, (_, i) => backoffMs(i + 1, policy, noJitter));
    assert.deepEqual(waits, [2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000]);
    assert.equal(backoffMs(1, policy, () => 1), 1600);
    assert.equal(backoffMs(7, policy, () => 0.5), 54_000);
    const total = waits.reduce((a, b) => a + b, 0);
    assert.ok(total > 6 * 60_000 && total < 9 * 60_000, `${total} ms`);
  });

  it('re-sends the event’s own headers without Connect’s context, with the re-drive’s in place of older ones', () => {
    const d = redriven(decide({ headers: captured.outageRetried, timestamp: at }, policy, noJitter));
    const raw = Object.fromEntries(Object.entries(captured.outageRetried).map(([k, v]) => [k, Buffer.from(v)]));
    const headers = headerText(retryHeaders({ ...raw, traceparent: [Buffer.from('00-a-b-01')] }, d));
    assert.deepEqual(headers, {
      'correlation-id': 'corr-2',
      traceparent: '00-a-b-01',
      'audit-redrive-attempt': '2',
      'audit-redrive-origin': `${prefix}task-events`,
      'audit-redrive-first-failed-at': String(at),
    });
  });
});
