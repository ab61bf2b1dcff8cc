// A task as the API shows it: the domain view with instants as ISO 8601 text and without what
// is internal (the owner, the last event id, and the storage-only fields the task-view
// processor keeps in its documents such as sourcePartition or recentEventIds). Used by every
// route that returns a task, so single reads, writes and lists answer in one shape.
import { z } from 'zod';
import type { Reminder, TaskFields, UserSettings } from '../domain/events.js';
import type { TaskStatus, TaskView } from '../domain/task.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : iso(ms));

export interface TaskResource {
  id: string;
  title: string;
  description: string | null;
  priority: TaskFields['priority'];
  tags: string[];
  dueAt: string | null;
  timeZone: string | null;
  recurrence: { rrule: string; mode: 'on_completion' | 'on_schedule'; count: number | null; until: string | null } | null;
  reminders: ({ at: string } | { before: string })[];
  muted: boolean;
  status: TaskStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  seriesId: string | null;
}

const reminderOut = (r: Reminder): { at: string } | { before: string } => (r.at !== null ? { at: iso(r.at) } : { before: r.before ?? 'PT0S' });

export function toTaskResource(view: TaskView): TaskResource {
  return {
    id: view.id,
    title: view.title,
    description: view.description,
    priority: view.priority,
    tags: view.tags,
    dueAt: isoOrNull(view.dueAt),
    timeZone: view.timeZone,
    recurrence: view.recurrence && { ...view.recurrence, until: isoOrNull(view.recurrence.until) },
    reminders: view.reminders.map(reminderOut),
    muted: view.muted,
    status: view.status,
    version: view.version,
    createdAt: iso(view.createdAt),
    updatedAt: iso(view.updatedAt),
    completedAt: isoOrNull(view.completedAt),
    seriesId: view.seriesId,
  };
}

type Doc = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number((v as { toString(): string }).toString()));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));

/**
 * The domain view inside a `tasks` document, by whitelist: fields the processor adds for its
 * own bookkeeping never leak. Numbers may come back as Long/Int64 from the driver.
 */
export function taskViewFromDocument(doc: Doc): TaskView {
  const recurrence = doc.recurrence as Doc | null | undefined;
  return {
    id: String(doc.id ?? doc._id),
    userId: String(doc.userId),
    status: doc.status as TaskStatus,
    version: num(doc.version),
    createdAt: num(doc.createdAt),
    updatedAt: num(doc.updatedAt),
    completedAt: numOrNull(doc.completedAt),
    seriesId: (doc.seriesId as string | null | undefined) ?? null,
    lastEventId: typeof doc.lastEventId === 'string' ? doc.lastEventId : '',
    title: String(doc.title),
    description: (doc.description as string | null | undefined) ?? null,
    priority: doc.priority as TaskFields['priority'],
    tags: (doc.tags as string[] | undefined) ?? [],
    dueAt: numOrNull(doc.dueAt),
    timeZone: (doc.timeZone as string | null | undefined) ?? null,
    recurrence: recurrence
      ? {
          rrule: String(recurrence.rrule),
          mode: recurrence.mode as 'on_completion' | 'on_schedule',
          count: numOrNull(recurrence.count),
          until: numOrNull(recurrence.until),
        }
      : null,
    reminders: ((doc.reminders as Doc[] | undefined) ?? []).map((r) => ({ at: numOrNull(r.at), before: (r.before as string | null | undefined) ?? null })),
    muted: Boolean(doc.muted),
  };
}

/** The API shape, for /openapi.json. */
export const TaskResourceSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string().nullable(),
    priority: z.enum(['high', 'medium', 'low']),
    tags: z.array(z.string()),
    dueAt: z.iso.datetime().nullable(),
    timeZone: z.string().nullable(),
    recurrence: z
      .object({ rrule: z.string(), mode: z.enum(['on_completion', 'on_schedule']), count: z.number().int().nullable(), until: z.iso.datetime().nullable() })
      .nullable(),
    reminders: z.array(z.union([z.object({ at: z.iso.datetime() }), z.object({ before: z.string() })])),
    muted: z.boolean(),
    status: z.enum(['pending', 'completed', 'deleted']),
    version: z.number().int().meta({ description: 'also the ETag; send it back as If-Match' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
    seriesId: z.string().nullable(),
  })
  .meta({ id: 'Task' });

export const SettingsSchema = z
  .object({
    timeZone: z.string(),
    quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
    channels: z.object({ email: z.boolean(), push: z.boolean() }),
  })
  .meta({ id: 'Settings' });

export function settingsFromDocument(doc: Doc): UserSettings {
  const quiet = doc.quietHours as Doc | null | undefined;
  const channels = (doc.channels as Doc | undefined) ?? {};
  return {
    timeZone: typeof doc.timeZone === 'string' ? doc.timeZone : 'UTC',
    quietHours: quiet ? { start: String(quiet.start), end: String(quiet.end) } : null,
    channels: { email: Boolean(channels.email), push: Boolean(channels.push) },
  };
}
