// The real audit connector (connectors/audit-sink.json.tmpl) on the real Connect worker: Avro
// events in the Confluent wire format, read through the registry, become one document each in
// the audit store, keyed by eventId, so a redelivered event cannot appear twice.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { contractFor } from '../schemas/catalog.js';
import { EventSerde } from '../schemas/serde.js';
import { sampleTaskCreated } from '../schemas/test/fixtures.js';
import { kafka } from '../test/support/kafka.js';
import { stackEnv, uniqueName } from '../test/support/stack-env.js';
import { waitFor } from '../test/support/wait-for.js';
import { ConnectClient, renderConnector } from './connect-client.js';

describe('connectors: audit sink (Kafka Connect + MongoDB sink + Avro converter)', () => {
  const connect = new ConnectClient(stackEnv.connectUrl);
  const prefix = `${uniqueName('audit')}-`;
  const collectionName = `audit_${prefix.replace(/\W/g, '_')}`;
  const spec = renderConnector('audit-sink.json.tmpl', {
    TOPIC_PREFIX: prefix,
    AUDIT_COLLECTION: collectionName,
    MONGO_URL: stackEnv.mongoUrl,
    REGISTRY_BASE_URL: new URL(stackEnv.schemaRegistryUrl).origin,
  });
  let mongo: MongoClient;
  let serde: EventSerde;

  before(async () => {
    await promisify(execFile)(process.execPath, [join(import.meta.dirname, '..', 'bin', 'todo-schemas.mjs'), 'register'], {
      env: { ...process.env, TOPIC_PREFIX: prefix, SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl, KAFKA_BROKERS: stackEnv.kafkaBrokers.join(',') },
    });
    serde = EventSerde.forUrl(stackEnv.schemaRegistryUrl, { topicPrefix: prefix });
    await serde.init(['task-events']);
    mongo = await MongoClient.connect(stackEnv.mongoUrl);
    await connect.apply(spec);
  });

  after(async () => {
    await connect.remove(spec.name).catch(() => undefined);
    await mongo.db('todo').collection(collectionName).drop().catch(() => undefined);
    await mongo.close();
  });

  it('lists the MongoDB sink and the Avro converter among its plugins', async () => {
    const classes = (await connect.plugins()).map((p) => p.class);
    assert.ok(classes.includes('com.mongodb.kafka.connect.MongoSinkConnector'), classes.join(', '));
  });

  it('writes each event once, keyed by eventId, even when it is produced twice', async function () {
    this.timeout(90_000);
    const twice = sampleTaskCreated();
    const marker = sampleTaskCreated();
    const producer = kafka.producer({ kafkaJS: { idempotent: true } });
    await producer.connect();
    const message = (e: typeof twice) => ({ key: e.userId, value: serde.encode('task-events', e) });
    // One key, so one partition: when the marker is in the store, both copies were consumed.
    await producer.send({ topic: contractFor('task-events', prefix).topic, messages: [message(twice), message(twice), message(marker)] });
    await producer.disconnect();

    const audit = mongo.db('todo').collection<{ _id: string }>(collectionName);
    await waitFor(() => audit.findOne({ _id: marker.eventId }), { timeoutMs: 60_000, what: 'the marker event in the audit store' });
    assert.equal(await audit.countDocuments({ _id: twice.eventId }), 1);
    const doc = (await audit.findOne({ _id: twice.eventId })) as Record<string, unknown> | null;
    assert.equal(doc?.type, 'TaskCreated');
    assert.equal(doc?.taskId, twice.taskId);
    assert.equal(doc?.userId, 'alice');
    assert.deepEqual((await connect.status(spec.name)).tasks.map((t) => t.state), ['RUNNING']);
  });
});
