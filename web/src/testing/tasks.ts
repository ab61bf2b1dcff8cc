// Tasks and pushes for the client's unit tests: complete API shapes with readable defaults.
import type { Task, TaskPush } from '../contract.js';

let sequence = 0;

export function aTask(over: Partial<Task> = {}): Task {
  sequence++;
  return {
    id: `task-${sequence}`,
    title: `task ${sequence}`,
    description: null,
    priority: 'medium',
    tags: [],
    dueAt: null,
    timeZone: null,
    recurrence: null,
    reminders: [],
    muted: false,
    status: 'pending',
    version: 1,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, sequence)).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 0, 1, 0, sequence)).toISOString(),
    completedAt: null,
    seriesId: null,
    ...over,
  };
}

/** The next version of `task` with `changes`. */
export const changed = (task: Task, changes: Partial<Task> = {}): Task => ({ ...task, version: task.version + 1, ...changes });

let eventSequence = 0;

export function aPush(task: Task, type = 'TaskUpdated', eventId = `event-${++eventSequence}`): TaskPush {
  return { task, event: { id: eventId, type, occurredAt: task.updatedAt, taskId: task.id }, cursor: `0:${eventSequence}` };
}
