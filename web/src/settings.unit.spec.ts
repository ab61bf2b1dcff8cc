import assert from 'node:assert/strict';
import { settingsFormOf, settingsPayload, type SettingsForm } from './settings.js';

const form = (over: Partial<SettingsForm> = {}): SettingsForm => ({ timeZone: 'Europe/Berlin', quietStart: '', quietEnd: '', email: false, push: true, ...over });

describe('web: settings panel', () => {
  it("given a user who never saved settings, then the form offers the browser's time zone; once saved, the saved one", () => {
    const defaults = { timeZone: 'UTC', quietHours: null, channels: { email: false, push: false } };
    assert.equal(settingsFormOf(defaults, 'America/New_York').timeZone, 'America/New_York');
    const saved = { timeZone: 'Asia/Tokyo', quietHours: { start: '22:00', end: '07:00' }, channels: { email: true, push: false } };
    assert.deepEqual(settingsFormOf(saved, 'America/New_York'), { timeZone: 'Asia/Tokyo', quietStart: '22:00', quietEnd: '07:00', email: true, push: false });
  });

  it('given quiet hours both set or both empty, then the body has them or null', () => {
    assert.deepEqual(settingsPayload(form({ quietStart: '22:00', quietEnd: '07:00' })), {
      ok: true,
      value: { timeZone: 'Europe/Berlin', quietHours: { start: '22:00', end: '07:00' }, channels: { email: false, push: true } },
    });
    assert.deepEqual(settingsPayload(form()), { ok: true, value: { timeZone: 'Europe/Berlin', quietHours: null, channels: { email: false, push: true } } });
  });

  it('given only one quiet-hours end, equal ends, or no time zone, then a problem in words', () => {
    assert.deepEqual(settingsPayload(form({ quietStart: '22:00' })), { ok: false, problem: 'Quiet hours need both a start and an end (or neither).' });
    assert.equal(settingsPayload(form({ quietStart: '22:00', quietEnd: '22:00' })).ok, false);
    assert.equal(settingsPayload(form({ quietStart: '25:00', quietEnd: '07:00' })).ok, false);
    assert.equal(settingsPayload(form({ timeZone: ' ' })).ok, false);
  });
});
