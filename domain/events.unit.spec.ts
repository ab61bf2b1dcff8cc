import assert from 'node:assert/strict';
import { topicSchemas } from '../contracts/avro/catalog.js';
import { sampleTask } from '../contracts/avro/test/fixtures.js';
import { taskEventFromWire, taskEventToWire, userEventFromWire, userEventToWire, type TaskEvent, type UserEvent } from './events.js';

const envelope = {
  eventId: '00000000-0000-4000-8000-000000000001',
  occurredAt: 1_700_000_000_000,
  userId: 'alice',
  correlationId: 'c-1',
  causationId: null,
  actor: 'user:alice',
};
const schemas = topicSchemas('');

describe('domain: events on the wire', () => {
  it('a task event becomes a valid Avro value and comes back unchanged', () => {
    const event: TaskEvent = {
      ...envelope,
      taskId: '00000000-0000-4000-8000-000000000002',
      type: 'TaskCreated',
      payload: { task: sampleTask(), seriesId: null, source: 'api' },
    };
    const type = schemas.get('task-events')!.type;
    const wire = type.fromBuffer(type.toBuffer(taskEventToWire(event))) as Parameters<typeof taskEventFromWire>[0];
    assert.deepEqual(JSON.parse(JSON.stringify(taskEventFromWire(wire))), event);
  });

  it('a user event (a one-branch payload union, which Avro leaves bare) round-trips too', () => {
    const event: UserEvent = {
      ...envelope,
      type: 'UserSettingsChanged',
      payload: { settings: { timeZone: 'Europe/Berlin', quietHours: null, channels: { email: true, push: false } } },
    };
    const type = schemas.get('user-events')!.type;
    const wire = type.fromBuffer(type.toBuffer(userEventToWire(event))) as Parameters<typeof userEventFromWire>[0];
    assert.deepEqual(JSON.parse(JSON.stringify(userEventFromWire(wire))), event);
  });

  it('refuses a task event whose type does not name its payload', () => {
    const wire = { ...taskEventToWire({ ...envelope, taskId: 't', type: 'TaskDeleted', payload: { expectedVersion: null } }), type: 'TaskCompleted' };
    assert.throws(() => taskEventFromWire(wire), /does not match its payload/);
  });
});
