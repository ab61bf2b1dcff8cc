// What a device receives for a change of one of its user's tasks: the task as the HTTP API
// shows it after the change, the event that made it, and the cursor to come back with.
import { fromSnapshot } from '../domain/task.js';
import type { TaskViewChange } from '../contracts/avro/generated/avro-types.js';
import type { TaskPush } from '../contracts/socket-protocol.js';
import { toTaskResource } from '../contracts/task-resource.js';
import { formatCursor } from './cursor.js';

export type { TaskPush };

/**
 * The push for a task-views record, or null when there is nothing to show: only applied
 * changes reach devices (a duplicate changed nothing, a rejection was answered to its writer).
 */
export function taskPush(change: TaskViewChange, position: { partition: number; offset: number }): TaskPush | null {
  if (change.outcome !== 'applied') return null;
  return {
    task: change.view ? toTaskResource(fromSnapshot(change.view)) : null,
    event: { id: change.eventId, type: change.eventType, occurredAt: new Date(change.occurredAt).toISOString(), taskId: change.taskId },
    cursor: formatCursor(position),
  };
}
