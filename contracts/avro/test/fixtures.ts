// Sample events in the wire shape of the current schemas, for schema and serde tests.
import { randomUUID } from 'node:crypto';
import type { TaskEvent, TaskFields } from '../generated/avro-types.js';

export const sampleTask = (over: Partial<TaskFields> = {}): TaskFields => ({
  title: 'Water the plants',
  description: null,
  priority: 'high',
  tags: ['home'],
  dueAt: Date.UTC(2026, 10, 24, 9),
  timeZone: 'Europe/Berlin',
  recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO', mode: 'on_completion', count: null, until: null },
  reminders: [{ at: null, before: 'PT15M' }],
  muted: false,
  ...over,
});

export const sampleTaskCreated = (source: string | null = 'web'): TaskEvent => ({
  eventId: randomUUID(),
  type: 'TaskCreated',
  occurredAt: Date.UTC(2026, 10, 23, 12),
  userId: 'alice',
  taskId: randomUUID(),
  correlationId: randomUUID(),
  causationId: null,
  actor: 'user:alice',
  payload: { 'todo.task.TaskCreated': { task: sampleTask(), seriesId: null, source } },
});

/** avsc decodes records into class instances; tests compare plain data. */
export const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
