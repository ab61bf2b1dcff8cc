// POST /v1/chat against the real stack: a gateway and the real task-view and settings-view
// processors in this process. A chat command goes through the same write path as the HTTP API
// (the same event on task-events, read-your-writes, Idempotency-Key), lists run the same
// queries, an ambiguous name gets a question and no write, and a task created by chat equals
// the task created over HTTP with the same fields (a property test).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { uniqueName } from '../../test/support/stack-env.js';
import type { TaskResource } from '../../contracts/task-resource.js';
import { GatewayHarness, payloadOf } from '../../test/support/harness.js';

interface ChatReply {
  reply: string;
  actions: { type: string; taskId?: string; eventId?: string; status?: string; count?: number }[];
  tasks: TaskResource[];
}
interface ErrorBody {
  error: { code: string };
}

const wallIn = (zone: string, iso: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'long', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));

describe('gateway: POST /v1/chat (real stack, real view processors)', function () {
  this.timeout(120_000);
  const h = new GatewayHarness();

  before(async () => {
    await h.setup();
    await h.startViewProcessors();
  });
  after(() => h.teardown());

  const chat = async (user: string, message: string, headers: Record<string, string> = {}) => {
    const res = await h.request<ChatReply>('POST', '/v1/chat', { user, body: { message }, headers });
    assert.equal(res.status, 200, res.text);
    return res.body;
  };

  it('sets the time zone, then creates a recurring task at 9 AM on Mondays there, as the same event the HTTP API produces', async () => {
    const user = uniqueName('chat');
    const zone = await chat(user, 'set my time zone to Europe/Berlin');
    assert.equal(zone.reply, "I've set your time zone to Europe/Berlin.");
    assert.deepEqual(zone.actions, [{ type: 'UserSettingsChanged', status: 'applied' }]);

    const answer = await chat(user, 'Every Monday at 9 AM add a standup task');
    assert.match(answer.reply, /^I've set up a recurring standup task every Monday at 9 AM\. The first one is (today|on Monday|on Mon, \w+ \d+) at 9 AM\.$/);
    const [task] = answer.tasks;
    assert.ok(task);
    assert.equal(task.title, 'standup');
    assert.deepEqual(task.recurrence, { rrule: 'FREQ=WEEKLY;BYDAY=MO', mode: 'on_schedule', count: null, until: null });
    assert.equal(wallIn('Europe/Berlin', task.dueAt!), 'Monday 09:00');
    assert.ok(Date.parse(task.dueAt!) > Date.now() && Date.parse(task.dueAt!) <= Date.now() + 7 * 86_400_000);
    assert.deepEqual(answer.actions, [{ type: 'TaskCreated', taskId: task.id, eventId: answer.actions[0]!.eventId, status: 'applied' }]);

    // read-your-writes: the answer is the view
    const read = await h.request<TaskResource>('GET', `/v1/tasks/${task.id}`, { user });
    assert.deepEqual(read.body, task);
    // and the log holds one TaskCreated from this user, marked as coming from the chat
    const records = await h.records('task-events', (rs) => rs.some((r) => r.key?.toString() === user));
    const events = await Promise.all(records.filter((r) => r.key?.toString() === user).map((r) => h.decode<{ type: string; actor: string; payload: unknown }>(r)));
    const created = events.filter((e) => e.type === 'TaskCreated');
    assert.equal(created.length, 1);
    assert.equal(created[0]!.actor, `user:${user}`);
    assert.equal(payloadOf(created[0]!).source, 'chat');
  });

  it('reminds about a task by name, lists with filters, and answers an empty list conversationally', async () => {
    const user = uniqueName('chat');
    const dentist = await chat(user, 'remind me about the dentist appointment tomorrow at 9');
    assert.match(dentist.reply, /^I'll remind you about "dentist appointment" tomorrow at 9 AM\.$/);
    assert.deepEqual(dentist.tasks[0]!.reminders, [{ before: 'PT0S' }]);
    const before = await chat(user, 'remind me 1 hour before the dentist');
    assert.equal(before.tasks[0]!.id, dentist.tasks[0]!.id, 'the same task, found by a fuzzy name');
    assert.deepEqual(before.tasks[0]!.reminders, [{ before: 'PT0S' }, { before: 'PT1H' }]);

    const none = await chat(user, 'show high priority work tasks');
    assert.equal(none.reply, 'No high-priority work tasks found. Would you like to see all tasks instead?');
    assert.deepEqual(none.tasks, []);

    await chat(user, 'Add a high-priority task: prepare presentation, tag: work');
    await chat(user, 'add a low priority task: tidy desk #work');
    const listed = await chat(user, 'show high priority work tasks');
    assert.deepEqual(listed.tasks.map((t) => t.title), ['prepare presentation']);
    assert.match(listed.reply, /^Here is your one high-priority work task:\n• prepare presentation \(high priority\)$/);
    const found = await chat(user, 'find tasks about presentation');
    assert.deepEqual(found.tasks.map((t) => t.title), ['prepare presentation']);
  });

  it('completes, reopens, reschedules, mutes, stops and deletes the task it is told about; asks when two are as close', async () => {
    const user = uniqueName('chat');
    const report = (await chat(user, 'add write the report tomorrow at 5pm')).tasks[0]!;
    await chat(user, 'add write the review');

    const question = await chat(user, 'complete write the');
    assert.match(question.reply, /^Which one do you mean: /);
    assert.match(question.reply, /"write the report" \(due tomorrow at 5 PM\)/);
    assert.match(question.reply, /"write the review"/);
    assert.deepEqual(question.actions, [{ type: 'question' }]);
    assert.equal((await h.request<TaskResource>('GET', `/v1/tasks/${report.id}`, { user })).body.version, 1, 'no guess, no write');

    const done = await chat(user, 'mark the report as done');
    assert.equal(done.reply, 'I\'ve marked "write the report" as completed.');
    assert.equal(done.tasks[0]!.status, 'completed');
    assert.equal((await chat(user, 'reopen the report')).tasks[0]!.status, 'pending');

    const moved = await chat(user, 'move the report to next Tuesday 3pm');
    assert.match(moved.reply, /^I've moved "write the report" to .*3 PM\.$/);
    assert.equal(wallIn('UTC', moved.tasks[0]!.dueAt!), 'Tuesday 15:00', 'in the user\'s zone (UTC by default)');

    assert.equal((await chat(user, 'mute the report')).tasks[0]!.muted, true);
    const notRecurring = await chat(user, 'stop the report');
    assert.match(notRecurring.reply, /does not repeat/);

    const series = (await chat(user, 'every weekday at 8:30 add standup')).tasks[0]!;
    const stopped = await chat(user, 'stop the weekly standup');
    assert.equal(stopped.reply, "I've cancelled the recurring standup task.");
    assert.equal(stopped.tasks[0]!.id, series.id);
    assert.equal(stopped.tasks[0]!.recurrence, null);

    const deleted = await chat(user, 'delete the report');
    assert.equal(deleted.reply, 'I\'ve deleted "write the report".');
    assert.equal((await h.request('GET', `/v1/tasks/${report.id}`, { user })).status, 404);
    assert.match((await chat(user, 'complete the groceries')).reply, /couldn't find a task matching "groceries"/);
  });

  it('never touches another user’s tasks', async () => {
    const [alice, bob] = [uniqueName('alice'), uniqueName('bob')];
    await chat(alice, 'add secret plan');
    const attempt = await chat(bob, 'delete the secret plan');
    assert.match(attempt.reply, /couldn't find a task/);
    assert.deepEqual((await chat(alice, 'show my tasks')).tasks.map((t) => t.title), ['secret plan']);
  });

  it('answers help, and what it does not understand, with 200 and examples', async () => {
    const user = uniqueName('chat');
    const unknown = await chat(user, 'sing me a song');
    assert.match(unknown.reply, /didn't understand/);
    assert.match(unknown.reply, /every Monday at 9am add a standup task/);
    assert.deepEqual(unknown.tasks, []);
  });

  it('refuses an over-long, empty or invalid message with 400 and a stable code', async () => {
    const user = uniqueName('chat');
    const cases: [unknown, string][] = [
      [{ message: 'x'.repeat(1001) }, 'MESSAGE_TOO_LONG'],
      [{ message: '   ' }, 'MESSAGE_EMPTY'],
      [{ message: 'add \u0000 null' }, 'INVALID_MESSAGE'],
      [{ message: 42 }, 'VALIDATION_FAILED'],
      [{ message: 'hi', extra: true }, 'VALIDATION_FAILED'],
      [{}, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      const res = await h.request<ErrorBody>('POST', '/v1/chat', { user, body });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.code, code, JSON.stringify(body).slice(0, 60));
    }
    assert.equal((await h.request('POST', '/v1/chat', { body: { message: 'help' } })).status, 401);
  });

  it('answers a retry with the same Idempotency-Key with the first answer, and writes once', async () => {
    const user = uniqueName('chat');
    const headers = { 'idempotency-key': uniqueName('key') };
    const first = await chat(user, 'add buy milk tomorrow at noon', headers);
    const again = await chat(user, 'add buy milk tomorrow at noon', headers);
    assert.deepEqual(again, first);
    const list = await h.request<{ items: TaskResource[] }>('GET', '/v1/tasks', { user });
    assert.deepEqual(list.body.items.map((t) => t.id), [first.tasks[0]!.id]);
  });

  it('property: a task created by chat equals the task created over HTTP with the same fields', async () => {
    const user = uniqueName('prop');
    const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'Kilo', 'Lima'];
    const when = ['tomorrow at 9am', 'next friday at 17:30', 'on Sunday at noon', 'in 3 days', 'tonight', ''];
    const strip = ({ id: _id, createdAt: _c, updatedAt: _u, ...rest }: TaskResource) => rest;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('high', 'medium', 'low'),
        fc.uniqueArray(fc.constantFrom('work', 'Home', 'ERRANDS', 'q3'), { maxLength: 3 }),
        fc.constantFrom(...when),
        fc.boolean(),
        async (titleWords, priority, tags, due, recurring) => {
          const title = titleWords.join(' ');
          const message = `add a ${priority} priority task: ${title}${tags.length > 0 ? `, tags: ${tags.join(', ')}` : ''}${recurring ? ' every weekday at 8:30' : due ? ` ${due}` : ''}`;
          const byChat = (await chat(user, message)).tasks[0];
          assert.ok(byChat, message);
          assert.equal(byChat.title, title, message);
          assert.equal(byChat.priority, priority);
          assert.deepEqual(byChat.tags, tags.map((t) => t.toLowerCase()));
          const { title: t, priority: p, tags: g, dueAt, recurrence, reminders } = byChat;
          const http = await h.request<TaskResource>('POST', '/v1/tasks', { user, body: { title: t, priority: p, tags: g, dueAt, recurrence, reminders } });
          assert.equal(http.status, 201, http.text);
          assert.deepEqual(strip(http.body), strip(byChat), message);
        },
      ),
      { numRuns: 15 },
    );
  });
});
