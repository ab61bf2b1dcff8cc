// Every write endpoint produces exactly one event, and it is what an outside consumer expects:
// Confluent-framed Avro with the registered schema id, keyed by the user, the full envelope, the
// request's correlation id in the event and in the Kafka headers along with a W3C traceparent,
// decodable by a plain @kafkajs/confluent-schema-registry client.
// The writes use `Prefer: respond-async`; the real task-view processor runs in-process, and a test
// awaits its task-views record before acting on the view. Read-your-writes has its own suite.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ConsumedRecord } from '../../test/support/kafka.js';
import { uniqueName } from '../../test/support/stack-env.js';
import { GatewayHarness, payloadOf } from '../../test/support/harness.js';

interface Envelope {
  eventId: string;
  type: string;
  occurredAt: number;
  userId: string;
  taskId?: string;
  correlationId: string;
  causationId: string | null;
  actor: string;
  payload: unknown;
}

/** avsc decodes records into class instances; compare plain data. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('gateway: every write produces one event (real broker and registry)', function () {
  this.timeout(120_000);
  const h = new GatewayHarness();
  const user = uniqueName('alice');
  const ASYNC = { prefer: 'respond-async' };

  before(async () => {
    await h.setup();
    await h.startViewProcessors();
  });

  /** Resolves once the task-view processor has committed its outcome for these events. */
  async function viewApplied(eventIds: string[]): Promise<void> {
    await h.records('task-views', (rs) => eventIds.every((id) => rs.some((r) => r.value?.includes(id))));
  }
  after(() => h.teardown());

  /** The one record carrying `eventId`, after checking the framing and the key. */
  async function eventRecord(topic: 'task-events' | 'user-events', eventId: string): Promise<{ record: ConsumedRecord; event: Envelope }> {
    const records = await h.records(topic, (rs) => rs.some((r) => r.value?.includes(eventId)));
    const matching = records.filter((r) => r.value?.includes(eventId));
    assert.equal(matching.length, 1, `exactly one record for event ${eventId}`);
    const record = matching[0]!;
    assert.equal(record.key?.toString(), user, 'keyed by the user');
    assert.equal(record.value![0], 0, 'Confluent magic byte');
    const schemaId = record.value!.readInt32BE(1);
    assert.equal(schemaId, await h.registry.getLatestSchemaId(`${h.topic(topic)}-value`), 'framed with the registered schema id');
    const event = await h.decode<Envelope>(record);
    assert.equal(event.eventId, eventId);
    assert.equal(event.userId, user);
    assert.equal(event.actor, `user:${user}`);
    assert.equal(event.causationId, null);
    assert.ok(Math.abs(Number(event.occurredAt) - Date.now()) < 60_000, 'occurredAt is now');
    return { record, event };
  }

  function checkCorrelation(record: ConsumedRecord, event: Envelope, correlationId: string) {
    assert.equal(event.correlationId, correlationId);
    assert.equal(record.headers['correlation-id'], correlationId);
    assert.match(record.headers.traceparent ?? '', new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`), 'continues the caller trace');
  }

  let taskId = '';
  let createEventId = '';

  it('POST /v1/tasks → TaskCreated with the validated fields', async () => {
    const correlationId = `corr-${randomUUID()}`;
    const res = await h.request<{ status: string; taskId: string; eventId: string }>('POST', '/v1/tasks', {
      user,
      headers: { ...ASYNC, 'x-correlation-id': correlationId, traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`, 'x-client': 'web' },
      body: { title: '  Dentist ', tags: ['Health', 'health '], dueAt: '2026-05-01T09:00:00+02:00', reminders: [{ before: 'PT1H' }] },
    });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.status, 'accepted');
    assert.equal(res.headers.get('x-correlation-id'), correlationId);
    assert.equal(res.headers.get('location'), `/v1/tasks/${res.body.taskId}`);
    ({ taskId, eventId: createEventId } = res.body);

    const { record, event } = await eventRecord('task-events', createEventId);
    checkCorrelation(record, event, correlationId);
    assert.equal(event.type, 'TaskCreated');
    assert.equal(event.taskId, taskId);
    const payload = payloadOf(event);
    assert.equal(payload.source, 'web');
    assert.deepEqual(
      plain(payload.task),
      {
        title: 'Dentist',
        description: null,
        priority: 'medium',
        tags: ['health'],
        dueAt: Date.UTC(2026, 4, 1, 7),
        timeZone: null,
        recurrence: null,
        reminders: [{ at: null, before: 'PT1H' }],
        muted: false,
      },
    );
  });

  it('PATCH /v1/tasks/:id → TaskUpdated with the changed fields and the If-Match version', async () => {
    await viewApplied([createEventId]);
    const correlationId = `corr-${randomUUID()}`;
    const res = await h.request<{ eventId: string }>('PATCH', `/v1/tasks/${taskId}`, {
      user,
      headers: { ...ASYNC, 'if-match': '"1"', 'x-correlation-id': correlationId, traceparent: `00-${TRACE_ID}-00f067aa0ba902b8-01` },
      body: { priority: 'high', tags: ['health', 'urgent'] },
    });
    assert.equal(res.status, 202, res.text);
    const { record, event } = await eventRecord('task-events', res.body.eventId);
    checkCorrelation(record, event, correlationId);
    assert.equal(event.type, 'TaskUpdated');
    const payload = payloadOf(event) as { changed: string[]; expectedVersion: number; after: { priority: string; tags: string[] } };
    assert.deepEqual(payload.changed, ['priority', 'tags']);
    assert.equal(payload.expectedVersion, 1);
    assert.equal(payload.after.priority, 'high');
    assert.deepEqual(payload.after.tags, ['health', 'urgent']);
    await viewApplied([res.body.eventId]);
  });

  it('a PATCH that changes nothing answers 200 with the task and produces no event', async () => {
    const noop = await h.request<{ version: number; priority: string }>('PATCH', `/v1/tasks/${taskId}`, { user, body: { priority: 'high' } });
    assert.equal(noop.status, 200, noop.text);
    assert.equal(noop.body.version, 2);
    assert.equal(noop.headers.get('etag'), '"2"');
    // The next event of this task is the one written after the no-op: nothing in between.
    const next = await h.request<{ eventId: string }>('POST', `/v1/tasks/${taskId}/complete`, { user, headers: ASYNC });
    assert.equal(next.status, 202, next.text);
    const records = await h.records('task-events', (rs) => rs.some((r) => r.value?.includes(next.body.eventId)));
    const ofTask = records.filter((r) => r.value?.includes(taskId));
    assert.equal(ofTask.length, 3, 'created, updated, completed: the no-op left no trace');
    const { event } = await eventRecord('task-events', next.body.eventId);
    assert.equal(event.type, 'TaskCompleted');
    assert.deepEqual(plain(payloadOf(event)), { expectedVersion: null });
    await viewApplied([next.body.eventId]);
  });

  it('POST /v1/tasks/:id/reopen → TaskReopened', async () => {
    const res = await h.request<{ eventId: string }>('POST', `/v1/tasks/${taskId}/reopen`, { user, headers: { ...ASYNC, 'if-match': '3' } });
    assert.equal(res.status, 202, res.text);
    const { event } = await eventRecord('task-events', res.body.eventId);
    assert.equal(event.type, 'TaskReopened');
    assert.equal(event.taskId, taskId);
    assert.deepEqual(plain(payloadOf(event)), { expectedVersion: 3 });
  });

  it('DELETE /v1/tasks/:id → TaskDeleted', async () => {
    const res = await h.request<{ eventId: string }>('DELETE', `/v1/tasks/${taskId}`, { user, headers: ASYNC });
    assert.equal(res.status, 202, res.text);
    const { event } = await eventRecord('task-events', res.body.eventId);
    assert.equal(event.type, 'TaskDeleted');
    assert.equal(event.taskId, taskId);
  });

  it('PUT /v1/me/settings → UserSettingsChanged carrying the whole settings', async () => {
    const correlationId = `corr-${randomUUID()}`;
    const res = await h.request<{ status: string; eventId: string }>('PUT', '/v1/me/settings', {
      user,
      headers: { ...ASYNC, 'x-correlation-id': correlationId, traceparent: `00-${TRACE_ID}-00f067aa0ba902b9-01` },
      body: { timeZone: 'Europe/Berlin', quietHours: { start: '22:00', end: '07:00' }, channels: { push: true } },
    });
    assert.equal(res.status, 202, res.text);
    const { record, event } = await eventRecord('user-events', res.body.eventId);
    checkCorrelation(record, event, correlationId);
    assert.equal(event.type, 'UserSettingsChanged');
    assert.deepEqual(plain(payloadOf(event)), {
      settings: { timeZone: 'Europe/Berlin', quietHours: { start: '22:00', end: '07:00' }, channels: { email: false, push: true } },
    });
  });

  it('generates a correlation id and a trace when the caller sends none (or an unusable one)', async () => {
    const res = await h.request<{ eventId: string }>('POST', '/v1/tasks', {
      user,
      headers: { ...ASYNC, 'x-correlation-id': 'bad id with spaces', traceparent: 'garbage' },
      body: { title: 'no correlation' },
    });
    assert.equal(res.status, 202, res.text);
    const generated = res.headers.get('x-correlation-id') ?? '';
    assert.match(generated, /^[0-9a-f-]{36}$/);
    const { record, event } = await eventRecord('task-events', res.body.eventId);
    assert.equal(event.correlationId, generated);
    assert.equal(record.headers['correlation-id'], generated);
    assert.match(record.headers.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});
