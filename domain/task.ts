// A task's materialized state and the fold of task-events into it. Pure: the task-view
// processor, the views rebuild and the gateway's tests all share this one definition.
import type { TaskEvent, TaskFields, TaskSnapshot } from './events.js';

export type TaskStatus = 'pending' | 'completed' | 'deleted';

export interface TaskView extends TaskFields {
  id: string;
  userId: string;
  status: TaskStatus;
  /** 1 after creation, +1 for every applied event: the value of ETag / If-Match. */
  version: number;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  seriesId: string | null;
  /** The last event applied, so a redelivered event is recognised and ignored. */
  lastEventId: string;
}

export type RejectReason =
  | 'NOT_FOUND' // no TaskCreated before this event
  | 'ALREADY_EXISTS' // a second TaskCreated for the same id
  | 'DELETED' // the task was deleted
  | 'VERSION_MISMATCH' // the client's If-Match is stale
  | 'INVALID_TRANSITION'; // completing a completed task, reopening a pending one

export type ApplyResult =
  | { outcome: 'applied'; view: TaskView }
  | { outcome: 'duplicate' }
  | { outcome: 'rejected'; reason: RejectReason; message: string };

const reject = (reason: RejectReason, message: string): ApplyResult => ({ outcome: 'rejected', reason, message });

export const TASK_FIELDS = [
  'title',
  'description',
  'priority',
  'tags',
  'dueAt',
  'timeZone',
  'recurrence',
  'reminders',
  'muted',
] as const satisfies readonly (keyof TaskFields)[];

export type TaskField = (typeof TASK_FIELDS)[number];
const isTaskField = (name: string): name is TaskField => (TASK_FIELDS as readonly string[]).includes(name);

export function taskFieldsOf(view: TaskView): TaskFields {
  const { title, description, priority, tags, dueAt, timeZone, recurrence, reminders, muted } = view;
  return { title, description, priority, tags, dueAt, timeZone, recurrence, reminders, muted };
}

/**
 * Applies one event to the task's current view (null when none exists). Expected outcomes are
 * returned, never thrown: a rejected event is a fact the gateway reports to its client.
 */
export function applyTaskEvent(current: TaskView | null, event: TaskEvent): ApplyResult {
  if (current?.lastEventId === event.eventId) return { outcome: 'duplicate' };

  if (event.type === 'TaskCreated') {
    if (current) return reject('ALREADY_EXISTS', `task ${event.taskId} already exists`);
    return {
      outcome: 'applied',
      view: {
        ...event.payload.task,
        id: event.taskId,
        userId: event.userId,
        status: 'pending',
        version: 1,
        createdAt: event.occurredAt,
        updatedAt: event.occurredAt,
        completedAt: null,
        seriesId: event.payload.seriesId,
        lastEventId: event.eventId,
      },
    };
  }

  if (!current) return reject('NOT_FOUND', `task ${event.taskId} does not exist`);
  if (current.status === 'deleted') return reject('DELETED', `task ${event.taskId} was deleted`);
  const expected = event.payload.expectedVersion;
  if (expected !== null && expected !== current.version) {
    return reject('VERSION_MISMATCH', `task ${event.taskId} is at version ${current.version}, not ${expected}`);
  }

  const next = { ...current, version: current.version + 1, updatedAt: event.occurredAt, lastEventId: event.eventId };
  switch (event.type) {
    case 'TaskUpdated': {
      // Only the named fields: an update computed from a stale read must not undo a concurrent
      // change to other fields.
      const view: TaskView = { ...next };
      const after = event.payload.after as unknown as Record<string, unknown>;
      for (const field of event.payload.changed) {
        if (isTaskField(field)) (view as unknown as Record<string, unknown>)[field] = after[field];
      }
      return { outcome: 'applied', view };
    }
    case 'TaskCompleted':
      if (current.status === 'completed') return reject('INVALID_TRANSITION', `task ${event.taskId} is already completed`);
      return { outcome: 'applied', view: { ...next, status: 'completed', completedAt: event.occurredAt } };
    case 'TaskReopened':
      if (current.status !== 'completed') return reject('INVALID_TRANSITION', `task ${event.taskId} is not completed`);
      return { outcome: 'applied', view: { ...next, status: 'pending', completedAt: null } };
    case 'TaskDeleted':
      return { outcome: 'applied', view: { ...next, status: 'deleted' } };
    case 'RecurrenceCancelled':
      return { outcome: 'applied', view: { ...next, recurrence: null } };
  }
}

/** The view in the shape of the task-views topic's Avro record, and back. */
export function toSnapshot(view: TaskView): TaskSnapshot {
  const { id, userId, status, version, createdAt, updatedAt, completedAt, seriesId, lastEventId } = view;
  return { id, userId, status, version, createdAt, updatedAt, completedAt, seriesId, lastEventId, fields: taskFieldsOf(view) };
}

export function fromSnapshot({ fields, ...rest }: TaskSnapshot): TaskView {
  return { ...fields, ...rest };
}
