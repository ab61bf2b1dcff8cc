// The phrase table under other process time zones, each in a child process
// (testing/phrase-probe.ts): the answers must be identical (docs/architecture.md §8).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseChat } from './intents.js';
import { DEFAULT_ZONE, PHRASES, REFERENCE, summarize } from './testing/phrase-table.js';

const clockFor = (zone = DEFAULT_ZONE) => ({ now: REFERENCE, timeZone: zone });

describe('chat: the phrase table under other process time zones', () => {
  it('gives the same answers whatever the process time zone (UTC, Europe/Berlin, America/New_York, Asia/Kolkata, Pacific/Auckland)', function () {
    this.timeout(60_000);
    const here: unknown[] = JSON.parse(JSON.stringify(PHRASES.map(({ say, zone }) => summarize(parseChat(say, clockFor(zone)))))) as unknown[];
    const probe = fileURLToPath(new URL('./testing/phrase-probe.ts', import.meta.url));
    const zones = ['Pacific/Auckland', 'UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'];
    const run = spawnSync(process.execPath, ['--import', 'tsx', probe, ...zones], { env: { ...process.env, TZ: zones[0] }, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const byZone = JSON.parse(run.stdout) as Record<string, unknown[]>;
    assert.deepEqual(Object.keys(byZone), zones);
    for (const tz of zones) {
      const there = byZone[tz]!;
      assert.equal(there.length, PHRASES.length);
      there.forEach((answer, i) => assert.deepEqual(answer, here[i], `TZ=${tz}: "${PHRASES[i]!.say}"`));
    }
  });});
