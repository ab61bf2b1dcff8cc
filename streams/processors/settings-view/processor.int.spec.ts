// settings-view against the real database: the last event wins, and a redelivered or older
// event (by its position in user-events) leaves the document unchanged.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MongoClient, type Collection } from 'mongodb';
import { userEventToWire, type UserEvent, type UserSettings } from '../../../domain/events.js';
import { stackEnv, uniqueName } from '../../../test/support/stack-env.js';
import type { InputRecord } from '../../runtime/index.js';
import { applyUserEvent, type SettingsDocument } from './processor.js';

const settings = (timeZone: string): UserSettings => ({ timeZone, quietHours: null, channels: { email: true, push: false } });

function record(userId: string, offset: number, value: UserSettings, partition = 3): InputRecord {
  const event: UserEvent = {
    eventId: randomUUID(),
    type: 'UserSettingsChanged',
    occurredAt: 1_700_000_000_000 + offset,
    userId,
    correlationId: 'c',
    causationId: null,
    actor: `user:${userId}`,
    payload: { settings: value },
  };
  return { topic: 'user-events', partition, offset: String(offset), key: userId, value: userEventToWire(event), headers: {}, timestamp: 0 };
}

describe('settings-view: fold of user-events into the settings view (real database)', () => {
  let client: MongoClient;
  let collection: Collection<SettingsDocument>;

  before(async () => {
    client = await MongoClient.connect(stackEnv.mongoUrl);
    collection = client.db().collection<SettingsDocument>(uniqueName('settings_test').replaceAll('-', '_'));
  });
  after(async () => {
    await collection.drop().catch(() => undefined);
    await client.close();
  });

  it('applies each change once, in log order, whatever is redelivered', async () => {
    const user = uniqueName('u');
    const first = record(user, 10, settings('Europe/Berlin'));
    const second = record(user, 11, settings('Asia/Tokyo'));
    assert.equal(await applyUserEvent(collection, first), 'applied');
    assert.equal(await applyUserEvent(collection, first), 'stale', 'a redelivery changes nothing');
    assert.equal(await applyUserEvent(collection, second), 'applied');
    assert.equal(await applyUserEvent(collection, first), 'stale', 'an older event does not go back');
    const doc = await collection.findOne({ _id: user });
    assert.equal(doc?.timeZone, 'Asia/Tokyo');
    assert.equal(doc?.lastEventId, (second.value as UserEvent).eventId);
    assert.deepEqual([doc?.sourcePartition, doc?.sourceOffset], [3, 11]);
  });
});
