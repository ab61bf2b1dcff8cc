// settings-view: folds user-events into the MongoDB `settings` view the gateway reads for
// GET /v1/me/settings. Each UserSettingsChanged carries the whole settings, so the fold is
// "last event wins", made idempotent by the source position: a document only moves forward
// (a higher offset of the user's partition), so redelivery after an abort or a crash, or a
// duplicate, leaves it unchanged. One upsert per event, no transaction needed.
import { MongoServerError, type Collection } from 'mongodb';
import { userEventFromWire, type UserEvent as UserEventWire, type UserSettings } from '../../../domain/events.js';
import type { InputRecord, Processor } from '../../runtime/index.js';

export interface SettingsDocument extends UserSettings {
  _id: string; // userId
  lastEventId: string;
  updatedAt: number;
  /** Where the last applied event is in user-events: the idempotency guard. */
  sourcePartition: number;
  sourceOffset: number;
}

export interface SettingsViewOptions {
  collection: Collection<SettingsDocument>;
  /** Consumer group and transactional-id prefix; unique per test run. */
  name?: string;
}

export type SettingsApply = 'applied' | 'stale' | 'ignored';

/** Applies one user event to the view; exported for the processor's tests. */
export async function applyUserEvent(collection: Collection<SettingsDocument>, record: InputRecord): Promise<SettingsApply> {
  const event = userEventFromWire(record.value as UserEventWire);
  if (event.type !== 'UserSettingsChanged') return 'ignored';
  const offset = Number(record.offset);
  const { timeZone, quietHours, channels } = event.payload.settings;
  try {
    const result = await collection.updateOne(
      // Matches when the stored state is older (or from before a partition change); otherwise
      // the upsert collides with the existing _id and the event is known to be applied.
      { _id: event.userId, $or: [{ sourcePartition: { $ne: record.partition } }, { sourceOffset: { $lt: offset } }] },
      {
        $set: {
          timeZone,
          quietHours,
          channels,
          lastEventId: event.eventId,
          updatedAt: event.occurredAt,
          sourcePartition: record.partition,
          sourceOffset: offset,
        },
      },
      { upsert: true },
    );
    return result.modifiedCount + result.upsertedCount > 0 ? 'applied' : 'stale';
  } catch (err) {
    if (err instanceof MongoServerError && err.code === 11000) return 'stale';
    throw err;
  }
}

export function settingsViewProcessor({ collection, name = 'settings-view' }: SettingsViewOptions): Processor {
  return {
    name,
    inputs: ['user-events'],
    async process(record) {
      await applyUserEvent(collection, record);
    },
  };
}
