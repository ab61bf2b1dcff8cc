import assert from 'node:assert/strict';
import { fromWallTime, offsetChangeBefore, toWallTime } from './wall-clock.js';

const wall = (local: string): number => Date.parse(`${local}Z`);
const iso = (ms: number): string => new Date(ms).toISOString();

describe('domain: wall-clock time', () => {
  it('given an instant, then its wall time is the zone clock reading', () => {
    assert.equal(iso(toWallTime(Date.parse('2026-07-01T13:00:00Z'), 'America/New_York')), '2026-07-01T09:00:00.000Z');
    assert.equal(iso(toWallTime(Date.parse('2026-01-01T13:00:00Z'), 'Europe/Berlin')), '2026-01-01T14:00:00.000Z');
  });

  it('given a wall time that exists once, then it is that instant', () => {
    assert.equal(iso(fromWallTime(wall('2026-07-01T09:00:00'), 'America/New_York')), '2026-07-01T13:00:00.000Z');
  });

  it('given a skipped wall time, then it moves forward by the gap whatever the choice (New York, Berlin)', () => {
    for (const repeated of ['earlier', 'later'] as const) {
      assert.equal(iso(fromWallTime(wall('2026-03-08T02:30:00'), 'America/New_York', repeated)), '2026-03-08T07:30:00.000Z');
      assert.equal(iso(fromWallTime(wall('2026-03-29T02:30:00'), 'Europe/Berlin', repeated)), '2026-03-29T01:30:00.000Z');
    }
  });

  it('given a repeated wall time, then it is the earlier instant unless the later one is asked for', () => {
    assert.equal(iso(fromWallTime(wall('2026-11-01T01:30:00'), 'America/New_York')), '2026-11-01T05:30:00.000Z');
    assert.equal(iso(fromWallTime(wall('2026-11-01T01:30:00'), 'America/New_York', 'later')), '2026-11-01T06:30:00.000Z');
    assert.equal(iso(fromWallTime(wall('2026-10-25T02:30:00'), 'Europe/Berlin')), '2026-10-25T00:30:00.000Z');
    assert.equal(iso(fromWallTime(wall('2026-10-25T02:30:00'), 'Europe/Berlin', 'later')), '2026-10-25T01:30:00.000Z');
  });

  it('given a range over a clock change, then the change is found to the millisecond; without one, null', () => {
    const to = Date.parse('2026-03-08T12:00:00Z');
    assert.equal(iso(offsetChangeBefore('America/New_York', to - 86_400_000, to) ?? 0), '2026-03-08T07:00:00.000Z');
    assert.equal(offsetChangeBefore('America/New_York', to - 86_400_000, to - 43_200_000), null);
  });

});
