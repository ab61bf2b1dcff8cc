import assert from 'node:assert/strict';
import { durationMs, isValidTimeZone, normalizeTags, rruleProblem } from './task-rules.js';

describe('domain: task rules', () => {
  it('normalizes tags: trimmed, lower-cased, unique, empty dropped', () => {
    assert.deepEqual(normalizeTags([' Work ', 'work', 'HOME', '  ', 'home']), ['work', 'home']);
  });

  it('knows IANA time zones', () => {
    assert.ok(isValidTimeZone('America/New_York'));
    assert.ok(!isValidTimeZone('Mars/Olympus_Mons'));
  });

  it('accepts RRULE bodies and explains the bad ones', () => {
    assert.equal(rruleProblem('FREQ=WEEKLY;BYDAY=MO,WE'), null);
    assert.equal(rruleProblem('RRULE:FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR'), null);
    assert.match(rruleProblem('BYDAY=MO') ?? '', /FREQ/);
    assert.notEqual(rruleProblem('FREQ=SOMETIMES'), null);
    assert.match(rruleProblem('DTSTART:20260101T090000Z;FREQ=DAILY') ?? '', /dueAt/);
  });

  it('reads fixed-length ISO 8601 durations and refuses months and years', () => {
    assert.equal(durationMs('PT15M'), 15 * 60_000);
    assert.equal(durationMs('P1DT2H'), 26 * 3_600_000);
    assert.equal(durationMs('P1W'), 7 * 86_400_000);
    assert.equal(durationMs('P1M'), null);
    assert.equal(durationMs('P'), null);
    assert.equal(durationMs('PT'), null);
  });
});
