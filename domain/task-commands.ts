// A user's intent, already validated, becomes exactly one event. Pure: the clock and the id
// source are passed in, so the same command always yields the same event in tests.
import type { TaskEventOf, TaskEventType, TaskFields } from './events.js';
import { TASK_FIELDS, taskFieldsOf, type TaskView } from './task.js';

export interface CommandContext {
  userId: string;
  correlationId: string;
  causationId?: string | null;
  /** `user:<id>` or `system:<processor>`; defaults to the user. */
  actor?: string;
  now: number;
  newId: () => string;
}

const envelope = (ctx: CommandContext, taskId: string) => ({
  eventId: ctx.newId(),
  occurredAt: ctx.now,
  userId: ctx.userId,
  taskId,
  correlationId: ctx.correlationId,
  causationId: ctx.causationId ?? null,
  actor: ctx.actor ?? `user:${ctx.userId}`,
});

export function createTask(
  ctx: CommandContext,
  taskId: string,
  task: TaskFields,
  { seriesId = null, source = null }: { seriesId?: string | null; source?: string | null } = {},
): TaskEventOf<'TaskCreated'> {
  return { ...envelope(ctx, taskId), type: 'TaskCreated', payload: { task, seriesId, source } };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The update that turns `current` into `current + patch`, or null when nothing would change. */
export function updateTask(
  ctx: CommandContext,
  current: TaskView,
  patch: Partial<TaskFields>,
  expectedVersion: number | null,
): TaskEventOf<'TaskUpdated'> | null {
  const before = taskFieldsOf(current);
  const after: TaskFields = { ...before, ...patch };
  const changed = TASK_FIELDS.filter((field) => !same(before[field], after[field]));
  if (changed.length === 0) return null;
  return { ...envelope(ctx, current.id), type: 'TaskUpdated', payload: { changed, before, after, expectedVersion } };
}

type LifecycleType = Exclude<TaskEventType, 'TaskCreated' | 'TaskUpdated'>;

/** Complete, reopen, delete, cancel the recurrence: events that carry only the If-Match. */
export function lifecycleEvent<K extends LifecycleType>(
  ctx: CommandContext,
  type: K,
  taskId: string,
  expectedVersion: number | null,
): TaskEventOf<K> {
  return { ...envelope(ctx, taskId), type, payload: { expectedVersion } } as TaskEventOf<K>;
}
