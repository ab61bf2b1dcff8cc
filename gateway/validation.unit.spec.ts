// The door's rules: strict bodies, trimmed titles within limits, normalised tags, real dates,
// IANA zones, valid RRULEs and durations, exactly one of at/before per reminder.
import assert from 'node:assert/strict';
import { ValidationError } from '../platform/http-errors.js';
import { PHRASES } from '../domain/chat/testing/phrase-table.js';
import { CreateTaskBody, INSTANT_PATTERN, RRULE_PATTERN, mergeSettings, parseBody, PatchTaskBody, SettingsBody, taskFieldsFromCreate, DEFAULT_SETTINGS } from './validation.js';

const refused = (schema: Parameters<typeof parseBody>[0], body: unknown, path: string) => {
  assert.throws(
    () => parseBody(schema, body),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.code, 'VALIDATION_FAILED');
      const paths = (err.details as { path: string }[]).map((d) => d.path);
      assert.ok(
        paths.some((p) => p === path || p.startsWith(`${path}.`)),
        `expected a problem at "${path}", got ${JSON.stringify(err.details)}`,
      );
      return true;
    },
  );
};

describe('gateway: request validation', () => {
  it('turns a full create body into task fields: trimmed title, normalised tags, instants in ms', () => {
    const fields = taskFieldsFromCreate(
      parseBody(CreateTaskBody, {
        title: '  Dentist  ',
        tags: [' Health', 'health', 'CITY '],
        dueAt: '2026-05-01T09:00:00+02:00',
        timeZone: 'Europe/Berlin',
        recurrence: { rrule: 'RRULE:FREQ=WEEKLY;BYDAY=MO', mode: 'on_schedule', until: '2026-12-31T00:00:00Z' },
        reminders: [{ before: 'PT15M' }, { at: '2026-05-01T06:00:00Z' }],
        muted: true,
      }),
    );
    assert.deepEqual(fields, {
      title: 'Dentist',
      description: null,
      priority: 'medium',
      tags: ['health', 'city'],
      dueAt: Date.UTC(2026, 4, 1, 7),
      timeZone: 'Europe/Berlin',
      recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO', mode: 'on_schedule', count: null, until: Date.UTC(2026, 11, 31) },
      reminders: [
        { at: null, before: 'PT15M' },
        { at: Date.UTC(2026, 4, 1, 6), before: null },
      ],
      muted: true,
    });
  });

  it('refuses unknown fields, wrong types and titles that are empty or too long', () => {
    refused(CreateTaskBody, { title: 'x', owner: 'bob' }, '');
    refused(CreateTaskBody, { title: 42 }, 'title');
    refused(CreateTaskBody, { title: '   ' }, 'title');
    refused(CreateTaskBody, { title: 'x'.repeat(501) }, 'title');
    refused(CreateTaskBody, { title: 'x', priority: 'urgent' }, 'priority');
    refused(CreateTaskBody, { title: 'x', muted: 'yes' }, 'muted');
    assert.equal(parseBody(CreateTaskBody, { title: 'x'.repeat(500) }).title.length, 500);
  });

  it('limits tags to 50, each to 64 characters', () => {
    refused(CreateTaskBody, { title: 'x', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'tags');
    refused(CreateTaskBody, { title: 'x', tags: ['y'.repeat(65)] }, 'tags.0');
    assert.equal(parseBody(CreateTaskBody, { title: 'x', tags: Array.from({ length: 50 }, (_, i) => `t${i}`) }).tags?.length, 50);
  });

  it('refuses impossible or offset-less dates, unknown zones, bad rules and durations', () => {
    refused(CreateTaskBody, { title: 'x', dueAt: '2026-02-30T10:00:00Z' }, 'dueAt');
    refused(CreateTaskBody, { title: 'x', dueAt: '2026-05-01T10:00:00' }, 'dueAt');
    refused(CreateTaskBody, { title: 'x', dueAt: 'tomorrow' }, 'dueAt');
    refused(CreateTaskBody, { title: 'x', timeZone: 'Mars/Olympus_Mons' }, 'timeZone');
    refused(CreateTaskBody, { title: 'x', recurrence: { rrule: 'FREQ=SOMETIMES', mode: 'on_schedule' } }, 'recurrence.rrule');
    refused(CreateTaskBody, { title: 'x', recurrence: { rrule: 'FREQ=DAILY', mode: 'whenever' } }, 'recurrence.mode');
    refused(CreateTaskBody, { title: 'x', dueAt: '2026-05-01T10:00:00Z', reminders: [{ before: 'P1M' }] }, 'reminders.0');
    refused(CreateTaskBody, { title: 'x', dueAt: '2026-05-01T10:00:00Z', reminders: [{ at: '2026-05-01T09:00:00Z', before: 'PT1H' }] }, 'reminders.0');
    refused(CreateTaskBody, { title: 'x', reminders: [{}] }, 'reminders.0');
  });

  it('needs a due date for a reminder relative to it', () => {
    assert.throws(() => taskFieldsFromCreate(parseBody(CreateTaskBody, { title: 'x', reminders: [{ before: 'PT5M' }] })), ValidationError);
  });

  it('keeps only the fields a patch names, null clearing a nullable one', () => {
    assert.deepEqual(parseBody(PatchTaskBody, { dueAt: null, tags: ['A'] }), { dueAt: null, tags: ['a'] });
    assert.deepEqual(parseBody(PatchTaskBody, {}), {});
    refused(PatchTaskBody, { title: null }, 'title');
    refused(PatchTaskBody, { status: 'completed' }, '');
  });

  it('refuses a body that is not an object', () => {
    assert.throws(() => parseBody(CreateTaskBody, undefined), ValidationError);
    assert.throws(() => parseBody(CreateTaskBody, ['title']), ValidationError);
  });

  it('merges settings changes over the current ones', () => {
    const input = parseBody(SettingsBody, { quietHours: { start: '22:00', end: '07:00' }, channels: { push: true } });
    assert.deepEqual(mergeSettings(DEFAULT_SETTINGS, input), {
      timeZone: 'UTC',
      quietHours: { start: '22:00', end: '07:00' },
      channels: { email: false, push: true },
    });
    refused(SettingsBody, { quietHours: { start: '25:00', end: '07:00' } }, 'quietHours.start');
    refused(SettingsBody, { timeZone: 'Nowhere/City' }, 'timeZone');
    refused(SettingsBody, { channels: { sms: true } }, 'channels');
  });

  it('states the instants it holds as a pattern the validator checks too: 1970 to 9999, edge days that stay inside', () => {
    const pattern = new RegExp(INSTANT_PATTERN);
    const cases: [string, boolean][] = [
      ['2026-05-01T09:00:00Z', true], ['2026-05-01T09:00:00.123+05:30', true], ['2000-02-29T00:00:00Z', true], ['2400-02-29T00:00:00Z', true],
      ['1970-01-01T00:00:00Z', true], ['1970-01-01T00:00:00-05:00', true], ['1970-01-02T00:00:00+23:59', true],
      ['9999-12-31T23:59:59.999Z', true], ['9999-12-31T20:00:00+05:00', true], ['9999-12-30T23:59:59-23:59', true],
      ['1969-12-31T23:59:59Z', false], ['1970-01-01T00:30:00+01:00', false], ['0357-10-11T02:07:50.187Z', false],
      ['9999-12-31T20:00:00-05:00', false], ['1900-02-29T00:00:00Z', false], ['2100-02-29T00:00:00Z', false], ['2026-02-30T00:00:00Z', false],
      ['\u0662\u0660\u0662\u0666-05-01T09:00:00Z', false],
    ];
    for (const [text, ok] of cases) {
      assert.equal(pattern.test(text), ok, text);
      assert.equal(CreateTaskBody.safeParse({ title: 'x', dueAt: text }).success, ok, text);
      const ms = Date.parse(text);
      if (ok) assert.ok(ms >= 0 && ms < Date.UTC(10000, 0, 1), text);
    }
    assert.doesNotMatch(INSTANT_PATTERN, /\(\?[=!<]|\\d/, 'no lookaheads, ASCII digits');
  });

  it('states RRULEs as a pattern every rule the chat writes and every accepted example matches', () => {
    const pattern = new RegExp(RRULE_PATTERN);
    const written = PHRASES.flatMap((p) => {
      const rrule = ((p.expect.body as { recurrence?: { rrule?: string } } | undefined)?.recurrence ?? {}).rrule;
      return rrule ? [rrule] : [];
    });
    assert.ok(written.length > 10);
    for (const rrule of [...written, 'FREQ=DAILY;BYHOUR=9,17;BYSETPOS=-1', 'FREQ=MONTHLY;BYDAY=-1FR', 'FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=1,15;UNTIL=20271231T235959Z', 'RRULE:FREQ=YEARLY', 'INTERVAL=2;FREQ=WEEKLY']) {
      assert.match(rrule, pattern);
      assert.ok(CreateTaskBody.safeParse({ title: 'x', dueAt: '2026-05-01T09:00:00Z', recurrence: { rrule, mode: 'on_schedule' } }).success, rrule);
    }
    for (const rrule of ['', 'FREQ=FORTNIGHTLY', 'FREQ=WEEKLY;BYDAY=', 'FREQ=DAILY;', 'X=1;FREQ=DAILY', 'FREQ=DAILY;DTSTART=20260101T000000Z']) assert.doesNotMatch(rrule, pattern);
  });
});
