// The process time zone changes nothing: the same recurrences, reminders and quiet hours under
// TZ=UTC, Europe/Berlin and America/New_York, each in a child process (testing/tz-probe.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('domain: wall-clock time under other process time zones', () => {
  it('given the process runs under TZ=UTC, Europe/Berlin or America/New_York, then recurrences, reminders and quiet hours come out the same', () => {
    const probe = fileURLToPath(new URL('./testing/tz-probe.ts', import.meta.url));
    const outputs = ['UTC', 'Europe/Berlin', 'America/New_York'].map((tz) => {
      const run = spawnSync(process.execPath, ['--import', 'tsx', probe], { env: { ...process.env, TZ: tz }, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      return JSON.parse(run.stdout) as Record<string, string[] | string>;
    });
    const [utc, berlin, newYork] = outputs;
    assert.deepEqual(berlin, utc);
    assert.deepEqual(newYork, utc);
    // and the common answer is the right one, not merely a shared mistake
    assert.deepEqual(utc?.newYorkDaily?.slice(3, 5), ['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z']);
    assert.deepEqual(utc?.berlinWeekly?.slice(2, 4), ['2026-10-25T00:30:00.000Z', '2026-11-01T01:30:00.000Z']);
    assert.deepEqual(utc?.reminders, ['2026-03-07T14:00:00.000Z', '2026-03-07T13:30:00.000Z']);
    assert.equal(utc?.quietHours, '2026-03-08T11:00:00.000Z');
  });});
