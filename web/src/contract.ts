// The shapes the client exchanges with the gateway and the bridge, taken from their own modules
// (type-only imports: nothing of the server ends up in the bundle), so a contract change there
// fails the client's type-check instead of its users.
import type { TaskResource } from '../../gateway/task-resource.js';
import type { TaskPage } from '../../gateway/routes/task-list.js';
import type { SortName } from '../../gateway/task-query.js';
import type { NotificationPush, ResyncMessage, SyncedMessage, TaskPush } from '../../bridge/protocol.js';
import type { NotificationResource } from '../../gateway/routes/notifications.js';
import type { UserSettings } from '../../domain/events.js';

export type Task = TaskResource;
export type Priority = Task['priority'];
export type { NotificationPush, NotificationResource, ResyncMessage, SortName, SyncedMessage, TaskPage, TaskPush };
/** GET and PUT /v1/me/settings. */
export type Settings = UserSettings;

export const PRIORITIES: readonly Priority[] = ['high', 'medium', 'low'];

/** GET /config.json */
export interface ClientConfig {
  bridgeUrl: string;
  devLogin: boolean;
}

/** The gateway's error body: `{ error: { code, message, details } }`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
