// Next occurrences match an independent RFC 5545 implementation (python-dateutil with zoneinfo,
// see testing/rrule_oracle.py) on a set of rules and zones, DST gaps and overlaps included: both
// keep wall-clock time, read a skipped time with the offset before the gap and take the earlier of
// a repeated time. Left out on purpose: sub-daily rules whose wall times fall into a gap, where
// dateutil repeats an instant and we do not (tested in recurrence.unit.spec.ts), and anchors at a
// skipped time (a dueAt is an instant, so it never is one).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { occurrencesAfter } from './recurrence.js';
import { fromWallTime } from './wall-clock.js';

const ORACLE = fileURLToPath(new URL('./testing/rrule_oracle.py', import.meta.url));
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin'];

/** [RRULE body, first instance as wall time in the zone, how many occurrences to compare] */
const RULES: [string, string, number][] = [
  ['FREQ=DAILY', '2026-03-01T09:00:00', 40],
  ['FREQ=DAILY;INTERVAL=3', '2026-10-20T08:15:00', 20],
  ['FREQ=WEEKLY;BYDAY=MO,WE,FR', '2026-03-02T07:30:00', 20],
  ['FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH', '2026-03-03T18:00:00', 20],
  ['FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR', '2026-10-23T09:00:00', 20],
  ['FREQ=WEEKLY;BYDAY=SU', '2026-03-01T02:30:00', 40], // the gaps in March, Berlin's repeated 02:30 in October
  ['FREQ=DAILY;COUNT=30', '2026-10-20T01:30:00', 20], // New York's repeated 01:30 on Nov 1
  ['FREQ=MONTHLY;BYMONTHDAY=31', '2026-01-31T10:00:00', 20],
  ['FREQ=MONTHLY;BYMONTHDAY=-1', '2026-01-31T23:30:00', 20],
  ['FREQ=MONTHLY;BYDAY=2TU', '2026-01-13T12:00:00', 20],
  ['FREQ=MONTHLY;BYDAY=-1FR', '2026-01-30T16:00:00', 20],
  ['FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', '2026-01-30T17:00:00', 20],
  ['FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=1,15;UNTIL=20271231T235959Z', '2026-01-01T00:00:00', 20],
  ['FREQ=YEARLY', '2024-02-29T09:00:00', 20],
  ['FREQ=YEARLY;BYMONTH=3;BYDAY=2SU', '2025-03-01T02:30:00', 20], // New York's skipped 02:30, every year
  ['FREQ=YEARLY;BYMONTH=11;BYDAY=1SU;BYHOUR=1;BYMINUTE=30', '2026-11-01T01:30:00', 20],
  ['FREQ=HOURLY;INTERVAL=6', '2026-03-05T00:00:00', 40],
];

interface Case {
  rrule: string;
  dtstart: string;
  zone: string;
  after: number;
  n: number;
}

const CASES: Case[] = ZONES.flatMap((zone) =>
  RULES.map(([rrule, dtstart, n]) => ({ rrule, dtstart, zone, n, after: fromWallTime(Date.parse(`${dtstart}Z`), zone) })),
);

describe('domain: recurrence against an independent RFC 5545 implementation (python-dateutil)', () => {
  let expected: number[][] = [];

  before(() => {
    const run = spawnSync('python3', [ORACLE], { input: JSON.stringify(CASES), encoding: 'utf8' });
    assert.equal(run.status, 0, `the oracle failed (is python3-dateutil installed?): ${run.stderr}`);
    expected = JSON.parse(run.stdout) as number[][];
  });

  CASES.forEach((c, i) => {
    it(`given ${c.rrule} from ${c.dtstart} in ${c.zone}, then the next ${c.n} occurrences are dateutil's`, () => {
      const ours = occurrencesAfter({ rrule: c.rrule, count: null, until: null }, { firstDueAt: c.after, timeZone: c.zone }, c.after, c.n);
      const iso = (ms: number) => new Date(ms).toISOString();
      assert.ok((expected[i]?.length ?? 0) > 0, 'the oracle found occurrences');
      assert.deepEqual(ours.map((o) => iso(o.at)), (expected[i] ?? []).map(iso));
    });
  });
});
