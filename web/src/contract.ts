// The shapes the client exchanges with the gateway and the bridge, from contracts/ (type-only
// imports: nothing of the server ends up in the bundle), so a contract change there fails the
// client's type-check instead of its users.
import type { ChatAnswer, ClientConfig, ErrorBody, HistoryEntry, NotificationPush, NotificationResource, ResyncMessage, Settings, SortName, SyncedMessage, TaskPage, TaskPush, TaskResource } from '../../contracts/index.js';

export type Task = TaskResource;
export type Priority = Task['priority'];
export type { ChatAnswer, ClientConfig, ErrorBody, HistoryEntry, NotificationPush, NotificationResource, ResyncMessage, Settings, SortName, SyncedMessage, TaskPage, TaskPush };

export const PRIORITIES: readonly Priority[] = ['high', 'medium', 'low'];

