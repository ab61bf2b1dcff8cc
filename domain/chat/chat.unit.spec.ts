// The chat grammar at a fixed reference instant: every row of the phrase table (under other
// process time zones too: chat.int.spec.ts), then the plan for a few messages over a set of tasks (fuzzy matching, questions, replies).
import assert from 'node:assert/strict';
import type { TaskView } from '../task.js';
import { taskFields } from '../testing/task-fields.js';
import { parseChat } from './intents.js';
import { planChat } from './plan.js';
import { DEFAULT_ZONE, PHRASES, REFERENCE, summarize } from './testing/phrase-table.js';

/** Every key of `expected` equals the same key of `actual` (objects recursively, arrays exactly). */
function assertPartial(actual: unknown, expected: unknown, path = ''): void {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    assert.ok(actual !== null && typeof actual === 'object', `${path || 'value'}: expected an object, got ${JSON.stringify(actual)}`);
    for (const [key, value] of Object.entries(expected)) assertPartial((actual as Record<string, unknown>)[key], value, path ? `${path}.${key}` : key);
    return;
  }
  assert.deepEqual(actual, expected, `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

const clockFor = (zone = DEFAULT_ZONE) => ({ now: REFERENCE, timeZone: zone });

describe('chat: the phrase table', () => {
  it(`has at least 80 phrases, the specifications' own among them`, () => {
    assert.ok(PHRASES.length >= 80, `${PHRASES.length} phrases`);
    assert.ok(PHRASES.filter((p) => p.spec).length >= 25);
  });

  for (const phrase of PHRASES) {
    it(`${phrase.spec ? '[spec] ' : ''}"${phrase.say}"${phrase.zone ? ` (${phrase.zone})` : ''}`, () => {
      assertPartial(summarize(parseChat(phrase.say, clockFor(phrase.zone))), phrase.expect);
    });
  }

});

const task = (id: string, title: string, more: Partial<TaskView> = {}): TaskView => ({
  ...taskFields({ title }),
  id,
  userId: 'u',
  status: 'pending',
  version: 1,
  createdAt: Number(id.replace(/\D/g, '')),
  updatedAt: 0,
  completedAt: null,
  seriesId: null,
  lastEventId: 'e',
  ...more,
});

describe('chat: planning over the user\'s tasks', () => {
  const clock = clockFor();
  const tasks = [
    task('t1', 'Dentist appointment', { dueAt: Date.parse('2026-03-07T14:00:00Z'), reminders: [{ at: null, before: 'PT0S' }] }),
    task('t2', 'standup', { recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO', mode: 'on_schedule', count: null, until: null }, seriesId: null, dueAt: Date.parse('2026-03-09T13:00:00Z') }),
    task('t3', 'Write the report'),
    task('t4', 'Write the review'),
    task('t5', 'Submit weekly report', { status: 'completed' }),
  ];
  const plan = (say: string) => planChat(parseChat(say, clock), tasks, clock);

  it('creates a recurring task and says exactly what it set up, in the user\'s zone', () => {
    const step = plan('every Monday at 9am add a standup task');
    assert.equal(step.kind, 'create');
    if (step.kind !== 'create') return;
    const reply = step.done(task('t9', 'standup', { dueAt: Date.parse('2026-03-09T13:00:00Z') }));
    assert.equal(reply, "I've set up a recurring standup task every Monday at 9 AM. The first one is on Monday at 9 AM.");
  });

  it('stops the series of "the weekly standup"', () => {
    const step = plan('Stop the weekly standup reminder');
    assert.equal(step.kind, 'lifecycle');
    if (step.kind !== 'lifecycle') return;
    assert.equal(step.type, 'RecurrenceCancelled');
    assert.equal(step.task.id, 't2');
    assert.equal(step.done(step.task), "I've cancelled the recurring standup task.");
  });

  it('cancels the reminder of "my dentist reminder"', () => {
    const step = plan('Cancel my dentist reminder');
    assert.ok(step.kind === 'patch' && step.task.id === 't1');
    assert.deepEqual(step.patch, { reminders: [] });
  });

  it('asks which one when several tasks are as close, and never guesses', () => {
    const step = plan('complete write the');
    assert.equal(step.kind, 'reply');
    if (step.kind === 'reply') {
      assert.match(step.reply, /^Which one do you mean/);
      assert.match(step.reply, /"Write the report"/);
      assert.match(step.reply, /"Write the review"/);
    }
  });

  it('says so when no task matches', () => {
    const step = plan('delete the groceries');
    assert.ok(step.kind === 'reply' && /couldn't find a task matching "groceries"/.test(step.reply));
  });

  it('adds a reminder to the task the user names; with no such task, creates one', () => {
    const existing = plan('remind me about the dentist appointment tomorrow at 8am');
    assert.ok(existing.kind === 'patch' && existing.task.id === 't1');
    assert.deepEqual(existing.patch.reminders, [{ before: 'PT0S' }, { at: '2026-03-07T13:00:00.000Z' }]);
    const fresh = plan('remind me about the vet tomorrow at 9');
    assert.ok(fresh.kind === 'create');
    assert.deepEqual(fresh.body, { title: 'vet', dueAt: '2026-03-07T14:00:00.000Z', reminders: [{ before: 'PT0S' }] });
    assert.equal(fresh.done(task('t8', 'vet', { dueAt: Date.parse('2026-03-07T14:00:00Z') })), 'I\'ll remind you about "vet" tomorrow at 9 AM.');
  });

  it('moving to a date without a time keeps the time of day', () => {
    const step = plan('move the dentist to next Tuesday');
    assert.ok(step.kind === 'patch');
    // 09:00 EST on Saturday stays 09:00, now EDT, on Tuesday
    assert.deepEqual(step.patch, { dueAt: '2026-03-10T13:00:00.000Z' });
  });

  it('answers an empty list conversationally', () => {
    const step = plan('show high priority work tasks');
    assert.ok(step.kind === 'list');
    assert.equal(step.done([], false), 'No high-priority work tasks found. Would you like to see all tasks instead?');
  });

  it('answers what it does not understand with examples', () => {
    const step = plan('sing me a song');
    assert.ok(step.kind === 'reply' && /didn't understand/.test(step.reply) && /every Monday at 9am add a standup task/.test(step.reply));
  });
});
