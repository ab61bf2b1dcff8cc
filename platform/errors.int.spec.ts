// The classification table (platform/errors.ts) against the errors the real stack raises: what
// FerretDB on PostgreSQL answers for a document it cannot hold and when its PostgreSQL is
// gone, what the driver raises with no database at all, what the registry client raises for an
// unknown id and with no registry. A table tested only against errors we built by hand could
// classify the real ones wrong.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { EventSerde } from '../contracts/avro/serde.js';
import { stackEnv, uniqueName } from '../test/support/stack-env.js';
import { classifyFailure, type Classified } from './errors.js';

const ROOT = join(import.meta.dirname, '..');
const FERRETDB = join(process.env.STACK_CACHE_DIR ?? join(ROOT, '.stack'), 'dist', 'ferretdb', 'ferretdb');

async function failureOf(call: () => Promise<unknown>): Promise<Classified> {
  try {
    await call();
  } catch (err) {
    return classifyFailure(err);
  }
  assert.fail('expected the call to fail');
}

/** A port nothing listens on (taken and released at once). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('platform: failure classification of the real stack’s errors', function () {
  this.timeout(60_000);
  let mongo: MongoClient;
  const database = uniqueName('classify').replace(/\W/g, '_');

  before(async () => {
    mongo = await new MongoClient(stackEnv.mongoUrl).connect();
  });
  after(async () => {
    await mongo.db(database).dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  it('a document the database cannot hold is permanent, by its code', async () => {
    const docs = mongo.db(database).collection<Record<string, unknown>>('refusals');
    assert.deepEqual(await failureOf(() => docs.insertOne({ title: 'NUL \u0000 inside' })), { kind: 'permanent', code: 'SQLSTATE_22P05' });
    assert.deepEqual(await failureOf(() => docs.replaceOne({ _id: 'x' } as never, { title: 'a\u0000' }, { upsert: true })), { kind: 'permanent', code: 'SQLSTATE_22P05' });
    assert.deepEqual(await failureOf(() => docs.insertMany([{ ok: 1 }, { title: '\u0000' }], { ordered: false })), { kind: 'permanent', code: 'SQLSTATE_22P05' });
    assert.equal((await failureOf(() => docs.insertOne({ $where: 1 }))).kind, 'permanent');
    assert.equal((await failureOf(() => docs.insertOne({ nested: [[1]] }))).kind, 'permanent');
  });

  it('a duplicate key is a write conflict: retried, never dead-lettered', async () => {
    const docs = mongo.db(database).collection<{ _id: string }>('dups');
    await docs.insertOne({ _id: 'one' });
    assert.deepEqual(await failureOf(() => docs.insertOne({ _id: 'one' })), { kind: 'transient', code: 'MONGO_11000' });
  });

  it('no database at all is transient', async () => {
    const client = new MongoClient(`mongodb://127.0.0.1:${await freePort()}/x`, { serverSelectionTimeoutMS: 500 });
    assert.deepEqual(await failureOf(() => client.db().collection('y').findOne({})), { kind: 'transient', code: 'MONGO_MongoServerSelectionError' });
    await client.close();
  });

  (existsSync(FERRETDB) ? describe : describe.skip)('FerretDB whose PostgreSQL is gone', () => {
    let ferret: ChildProcess | undefined;
    let port: number;

    before(async () => {
      port = await freePort();
      const postgres = await freePort(); // nothing listens there
      ferret = spawn(FERRETDB, [
        '--handler=postgresql',
        `--postgresql-url=postgres://postgres@127.0.0.1:${postgres}/ferretdb`,
        `--state-dir=${mkdtempSync(join(tmpdir(), 'ferretdb-'))}`,
        `--listen-addr=127.0.0.1:${port}`,
        `--debug-addr=127.0.0.1:${await freePort()}`,
        '--telemetry=disable',
        '--log-level=ERROR',
      ], { stdio: 'ignore' });
    });
    after(() => {
      ferret?.kill('SIGKILL');
    });

    it('answers InternalError without a SQLSTATE: transient', async () => {
      const client = new MongoClient(`mongodb://127.0.0.1:${port}/x`, { serverSelectionTimeoutMS: 10_000 });
      try {
        assert.deepEqual(await failureOf(() => client.db().collection('y').insertOne({ a: 1 })), { kind: 'transient', code: 'MONGO_InternalError' });
      } finally {
        await client.close();
      }
    });
  });

  it('an unknown schema id is permanent; no registry is transient', async () => {
    const serde = EventSerde.forUrl(stackEnv.schemaRegistryUrl, { topicPrefix: '' });
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf1, 0]);
    assert.deepEqual(await failureOf(() => serde.decode('task-events', unknownId)), { kind: 'permanent', code: 'UNKNOWN_SCHEMA_ID' });
    const away = EventSerde.forUrl(`http://127.0.0.1:${await freePort()}`, { topicPrefix: '' });
    assert.deepEqual(await failureOf(() => away.decode('task-events', unknownId)), { kind: 'transient', code: 'REGISTRY_UNAVAILABLE' });
  });
});
