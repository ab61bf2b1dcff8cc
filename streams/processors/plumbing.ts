// What the scheduler, recurrence and notifier processors share about their state stores: how a
// user's entities are keyed (so one user's range can be scanned), how time keys sort, and the
// fold of a user's time zone from UserSettingsChanged.
import type { KeyValueStore } from '../runtime/index.js';

/** The zone of a user who never chose one, and of a task that names none. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** One of a user's entities (a task, a series): `<userId>/<id>`, so a user's keys are one range. */
export const userKey = (userId: string, id: string): string => `${userId}/${id}`;

/** The [from, to] key range of everything userKey() stored for this user. */
export const userRange = (userId: string): [string, string] => [`${userId}/`, `${userId}/\uffff`];

/** An instant as a key prefix: zero-padded so that key order is time order. */
export const timeKey = (at: number): string => String(at).padStart(15, '0');

/** The upper bound of a range over `<timeKey>|…` keys that takes everything due at `at` or before. */
export const dueUpTo = (at: number): string => `${timeKey(at)}|\uffff`;

/**
 * Records the user's zone from their settings; the new zone when it changed (the caller then
 * replans what follows the user's zone), null when it did not.
 */
export function foldUserZone(users: KeyValueStore<{ timeZone: string }>, userId: string, timeZone: string): string | null {
  if (users.get(userId)?.timeZone === timeZone) return null;
  users.put(userId, { timeZone });
  return timeZone;
}
