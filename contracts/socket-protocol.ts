// The Socket.IO contract (docs/architecture.md section 4), shared by the bridge, its tests and clients.
import type { TaskResource } from './task-resource.js';

/** `task`: an applied change of one of the user's tasks; task is null once it is deleted. */
export interface TaskPush {
  task: TaskResource | null;
  event: { id: string; type: string; occurredAt: string; taskId: string };
  cursor: string;
}

/** `notification`: a reminder notification to show, acked once shown. */
export interface NotificationPush {
  notification: {
    id: string;
    title: string;
    body: string;
    taskIds: string[];
    dueAt: string;
    createdAt: string;
  };
}

export interface HandshakeAuth {
  token: string;
  /** The cursor of the last `task` or `synced` received; absent on a first connect. */
  cursor?: string;
}

export interface SyncedMessage {
  /** Everything up to here has been sent (or, after resync, is in the HTTP state). */
  cursor: string;
  /** Missed changes sent before this message. */
  replayed: number;
}

export interface ResyncMessage {
  reason: 'CURSOR_EXPIRED' | 'CURSOR_AHEAD' | 'TOO_FAR_BEHIND';
}

export interface ServerToClientEvents {
  task: (push: TaskPush) => void;
  synced: (message: SyncedMessage) => void;
  resync: (message: ResyncMessage) => void;
  /** Call `ack` once shown: the notification is then delivered and not sent again. */
  notification: (push: NotificationPush, ack: () => void) => void;
}

/** Nothing: notification acks are the `notification` event's ack callback. */
export type ClientToServerEvents = Record<string, never>;
