// The recurrence processor on the real stack, between the real gateway and the real task view:
// completing a daily task through the HTTP API creates its next instance, visible through the
// API, exactly once however often the task is reopened and completed again.
import assert from 'node:assert/strict';
import { GatewayHarness, payloadOf } from '../../../test/support/harness.js';
import type { TaskResource } from '../../../contracts/task-resource.js';
import type { ConsumedRecord } from '../../../test/support/kafka.js';
import { uniqueName } from '../../../test/support/stack-env.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { newApp, startAndAssign } from '../../runtime/__tests__/support.js';
import type { StreamsApp } from '../../runtime/index.js';
import { recurrenceProcessor } from './processor.js';

interface Generated {
  type: string;
  seriesId: string;
  payload: { previousTaskId: string; nextTaskId: string; occurrenceAt: number };
}

describe('recurrence processor (real stack, real gateway and task view)', function () {
  this.timeout(120_000);
  const h = new GatewayHarness();
  const user = uniqueName('rec');
  let app: StreamsApp;

  before(async () => {
    await h.setup();
    await h.startViewProcessors();
    app = newApp(recurrenceProcessor(), h.prefix);
    await startAndAssign(app);
  });
  after(async () => {
    await app?.stop();
    await h.teardown();
  });

  /**
   * The events on `recurrences` once `mentions` of them carry `id`: Avro writes strings as plain
   * UTF-8, so the raw bytes tell when to stop, and the events are decoded afterwards.
   */
  async function recurrences(id: string, mentions: number): Promise<Generated[]> {
    const mentioning = (records: ConsumedRecord[]) => records.filter((r) => r.value?.includes(id)).length;
    const records = await h.records('recurrences', (all) => mentioning(all) >= mentions, 60_000);
    const events = await Promise.all(records.map((r) => h.decode<Generated>(r)));
    return events.map((e) => ({ ...e, payload: payloadOf(e) as Generated['payload'] }));
  }

  const post = async (path: string, body?: unknown) => {
    const res = await h.request<TaskResource>('POST', path, { user, ...(body ? { body } : {}) });
    assert.ok(res.status === 200 || res.status === 201, `${path}: ${res.status} ${res.text}`);
    return res.body;
  };

  it('given a daily task completed, reopened and completed again, then its next instance exists once, a day later, in its series', async () => {
    const first = await post('/v1/tasks', {
      title: 'water the plants',
      dueAt: '2026-03-07T14:00:00Z',
      timeZone: 'America/New_York',
      recurrence: { rrule: 'FREQ=DAILY', mode: 'on_completion' },
    });
    assert.equal(first.seriesId, null, 'the first task of a series shows no seriesId');
    await post(`/v1/tasks/${first.id}/complete`);

    const [event, ...others] = await recurrences(first.id, 1);
    assert.deepEqual([event?.type, others], ['RecurringTaskGenerated', []]);
    assert.equal(event!.payload.previousTaskId, first.id);
    const nextId = event!.payload.nextTaskId;
    const next = await waitFor(
      async () => {
        const res = await h.request<TaskResource>('GET', `/v1/tasks/${nextId}`, { user });
        return res.status === 200 ? res.body : null;
      },
      { what: `task ${nextId} in the view` },
    );
    assert.equal(next.seriesId, first.id);
    // 09:00 New York, the day DST starts: one day later in wall-clock time is 23 hours later.
    assert.equal(next.dueAt, '2026-03-08T13:00:00.000Z');
    assert.equal(next.title, 'water the plants');
    assert.equal(next.status, 'pending');
    assert.deepEqual(next.recurrence, { rrule: 'FREQ=DAILY', mode: 'on_completion', count: null, until: null });

    await post(`/v1/tasks/${first.id}/reopen`);
    await post(`/v1/tasks/${first.id}/complete`);
    // The next instance's own completion is processed after those (one user: one partition, in
    // order): once its successor appears, the second completion of the first task was handled.
    await post(`/v1/tasks/${nextId}/complete`);
    const events = await recurrences(nextId, 2);
    assert.deepEqual(
      events.map((e) => [e.type, e.seriesId, e.payload.previousTaskId, new Date(e.payload.occurrenceAt).toISOString()]),
      [
        ['RecurringTaskGenerated', first.id, first.id, '2026-03-08T13:00:00.000Z'],
        ['RecurringTaskGenerated', first.id, nextId, '2026-03-09T13:00:00.000Z'],
      ],
      'one RecurringTaskGenerated per occurrence',
    );
  });
});
