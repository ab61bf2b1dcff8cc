// The HTTP resources the gateway answers and its clients read (docs/architecture.md section 3).
// Types and plain constants only: the web client imports them (type-only) into its bundle.
import type { UserSettings } from '../domain/events.js';
import type { NotificationResource } from './notification-resource.js';
import type { TaskResource } from './task-resource.js';

export type { NotificationResource, TaskResource };

/** GET /v1/tasks `sort`: a field, descending with a leading '-'. */
export const SORTS = ['-createdAt', 'createdAt', 'priority', '-priority', 'dueAt', '-dueAt'] as const;
export type SortName = (typeof SORTS)[number];

/** GET /v1/tasks */
export interface TaskPage {
  items: TaskResource[];
  /** Pass back as `cursor` (with the same sort) for the next page; null on the last page. */
  nextCursor: string | null;
}

/** GET and PUT /v1/me/settings. */
export type Settings = UserSettings;

/** POST /v1/chat */
export interface ChatAnswer {
  reply: string;
  actions: { type: string; taskId?: string; eventId?: string; status?: 'applied' | 'accepted' | 'queued'; count?: number }[];
  tasks: TaskResource[];
}

/** One entry of GET /v1/tasks/:id/history. */
export interface HistoryEntry {
  eventId: string;
  type: string;
  occurredAt: string;
  actor: string | null;
  correlationId: string | null;
  outcome: 'applied' | 'rejected' | 'duplicate' | 'pending';
  reason: string | null;
  message: string | null;
  version: number | null;
  changes: { field: string; before: unknown; after: unknown }[];
}

/** GET /config.json */
export interface ClientConfig {
  bridgeUrl: string;
  devLogin: boolean;
}

/** The gateway's error body: `{ error: { code, message, details } }`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
