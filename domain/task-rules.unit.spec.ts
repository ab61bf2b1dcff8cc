import assert from 'node:assert/strict';
import { DURATION_PATTERN, durationMs, isValidTimeZone, normalizeTags, rruleProblem } from './task-rules.js';

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

  it('given rules that could never recur, then it refuses them instead of letting a processor search until the year 9999', () => {
    const refused = (body: string, reason: RegExp) => {
      const started = performance.now();
      assert.match(rruleProblem(body) ?? '(accepted)', reason, body);
      assert.ok(performance.now() - started < 2000, `${body} is refused quickly`);
    };
    refused('FREQ=DAILY;BYSETPOS=2', /BYSETPOS=2 can never match: a period holds at most 1/);
    refused('FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=3', /at most 2/);
    refused('FREQ=MONTHLY;BYDAY=MO;BYSETPOS=-6', /BYSETPOS=-6/);
    refused('FREQ=DAILY;BYHOUR=9,17;BYSETPOS=3', /at most 2/);
    refused('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', /no date ever matches/);
    refused('FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31', /no date ever matches/);
    refused('FREQ=HOURLY;BYHOUR=25', /BYHOUR=25 is out of range/);
    refused('FREQ=MONTHLY;BYMONTHDAY=0', /BYMONTHDAY=0 is out of range/);
    refused('FREQ=YEARLY;BYWEEKNO=54', /BYWEEKNO=54/);
  });

  it('given rules that recur, however rarely, then it accepts them', () => {
    for (const body of [
      'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
      'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=5',
      'FREQ=DAILY;BYHOUR=9,17;BYSETPOS=-1',
      'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29',
      'FREQ=MONTHLY;BYMONTHDAY=-1',
      'FREQ=YEARLY;BYYEARDAY=366',
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU',
      'FREQ=MINUTELY;INTERVAL=15;BYHOUR=9,10',
    ]) {
      assert.equal(rruleProblem(body), null, body);
    }
  });

  it('reads fixed-length ISO 8601 durations and refuses months and years', () => {
    assert.equal(durationMs('PT15M'), 15 * 60_000);
    assert.equal(durationMs('P1DT2H'), 26 * 3_600_000);
    assert.equal(durationMs('P1W'), 7 * 86_400_000);
    assert.equal(durationMs('P1M'), null);
    assert.equal(durationMs('P'), null);
    assert.equal(durationMs('PT'), null);
    assert.equal(durationMs('P1WT'), null);
    assert.equal(durationMs('PT5'), null);
    assert.equal(durationMs('P1D2W'), null, 'weeks come before days');
    assert.equal(durationMs('P\u0663D'), null, 'ASCII digits only');
    assert.equal(durationMs('P1W2DT3H4M5S'), (((9 * 24 + 3) * 60 + 4) * 60 + 5) * 1000);
  });

  it('states its durations as a pattern without lookaheads that means what the lookahead rule meant', () => {
    assert.doesNotMatch(DURATION_PATTERN, /\(\?[=!<]/);
    const re = new RegExp(DURATION_PATTERN);
    // The rule as it was first written: P, not empty, and a T followed by a digit.
    const withLookaheads = /^P(?!$)(?:([0-9]+)W)?(?:([0-9]+)D)?(?:T(?=[0-9])(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)S)?)?$/;
    for (const text of ['PT15M', 'P1W', 'P2D', 'P1DT2H', 'PT1H30M', 'PT45S', 'P1W2DT3H4M5S', 'P', 'PT', 'P1M', 'P1Y', 'P1WT', 'PT5', 'P1D2W', 'pt15m', ' PT15M', 'PT15M\n', 'P1.5D']) {
      assert.equal(re.test(text), withLookaheads.test(text), text);
      assert.equal(re.test(text), durationMs(text) !== null, text);
    }
  });
});
