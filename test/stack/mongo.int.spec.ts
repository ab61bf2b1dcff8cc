// The MongoDB-wire database answers the operations the views rely on: idempotent upserts,
// unique indexes, conditional updates and regex search.
import assert from 'node:assert/strict';
import { MongoClient, MongoServerError, type Collection } from 'mongodb';
import { stackEnv, uniqueName } from '../support/stack-env.js';

interface Doc {
  _id: string;
  title: string;
  version: number;
  email?: string;
}

describe('stack: MongoDB-wire database', () => {
  let client: MongoClient;
  let docs: Collection<Doc>;

  before(async () => {
    client = await MongoClient.connect(stackEnv.mongoUrl);
    docs = client.db().collection<Doc>(uniqueName('smoke'));
  });

  after(async () => {
    await docs.drop().catch(() => undefined);
    await client.close();
  });

  it('upserts a document once however often the same write is repeated', async () => {
    for (let i = 0; i < 3; i++) {
      await docs.updateOne({ _id: 't1' }, { $set: { title: 'write once', version: 1 } }, { upsert: true });
    }
    assert.equal(await docs.countDocuments({ _id: 't1' }), 1);
    assert.deepEqual(await docs.findOne({ _id: 't1' }), { _id: 't1', title: 'write once', version: 1 });
  });

  it('enforces a unique index', async () => {
    await docs.createIndex({ email: 1 }, { unique: true });
    await docs.insertOne({ _id: 'u1', title: 'a', version: 1, email: 'a@example.test' });
    await assert.rejects(
      docs.insertOne({ _id: 'u2', title: 'b', version: 1, email: 'a@example.test' }),
      (err: unknown) => err instanceof MongoServerError && err.code === 11000,
    );
  });

  it('applies a version-guarded update only when the guard matches', async () => {
    await docs.insertOne({ _id: 'v1', title: 'first', version: 1 });
    const applied = await docs.findOneAndUpdate(
      { _id: 'v1', version: 1 },
      { $set: { title: 'second', version: 2 } },
      { returnDocument: 'after' },
    );
    const stale = await docs.findOneAndUpdate({ _id: 'v1', version: 1 }, { $set: { title: 'stale', version: 2 } });
    assert.equal(applied?.title, 'second');
    assert.equal(stale, null);
    assert.equal((await docs.findOne({ _id: 'v1' }))?.title, 'second');
  });

  it('finds documents by case-insensitive regex', async () => {
    await docs.insertMany([
      { _id: 'r1', title: 'Buy MILK', version: 1 },
      { _id: 'r2', title: 'walk the dog', version: 1 },
    ]);
    const found = await docs.find({ title: { $regex: 'milk', $options: 'i' } }).toArray();
    assert.deepEqual(found.map((d) => d._id), ['r1']);
  });
});
