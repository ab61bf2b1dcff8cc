// Reads of the materialized views. Always scoped to the caller: a task of another user is
// simply not found, so its existence is never revealed.
import type { Db, Document } from 'mongodb';
import type { UserSettings } from '../domain/events.js';
import type { TaskView } from '../domain/task.js';
import { liveViewCollection } from '../views/task-view.js';
import { COLLECTIONS, db } from './db.js';
import { settingsFromDocument, taskViewFromDocument } from '../contracts/task-resource.js';

export interface TaskReader {
  /** The caller's task in any status (deleted included), or null. */
  get(userId: string, taskId: string): Promise<TaskView | null>;
}

export interface StoredSettings {
  settings: UserSettings;
  /** The user-events event that produced this state; null for defaults. */
  lastEventId: string | null;
}

export interface SettingsReader {
  get(userId: string): Promise<StoredSettings | null>;
}

/**
 * `logicalName` is the view's name; after `make views-rebuild` the live documents may sit in
 * another collection, named by the task-view processor's pointer (resolved at most once a second).
 */
export function mongoTaskReader(database: Db, logicalName: string = COLLECTIONS.tasks): TaskReader {
  const live = liveViewCollection(database, logicalName);
  return {
    async get(userId, taskId) {
      const doc = await db('read task', async () => (await live()).findOne({ _id: taskId, userId }));
      return doc ? taskViewFromDocument(doc) : null;
    },
  };
}

export function mongoSettingsReader(database: Db): SettingsReader {
  const settings = database.collection<Document>(COLLECTIONS.settings);
  return {
    async get(userId) {
      const doc = await db('read settings', () => settings.findOne({ _id: userId } as Document));
      if (!doc) return null;
      return { settings: settingsFromDocument(doc), lastEventId: typeof doc.lastEventId === 'string' ? doc.lastEventId : null };
    },
  };
}
