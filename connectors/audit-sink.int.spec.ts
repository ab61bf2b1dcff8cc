// The real audit connector (connectors/audit-sink.json.tmpl) on the real Connect worker: Avro
// events in the Confluent wire format, read through the registry, become one document each in
// the audit store, keyed by eventId, so a redelivered event cannot appear twice.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { contractFor } from '../contracts/avro/catalog.js';
import { EventSerde } from '../contracts/avro/serde.js';
import { sampleTask, sampleTaskCreated } from '../contracts/avro/test/fixtures.js';
import { consumeUntil, kafka } from '../test/support/kafka.js';
import { stackEnv, uniqueName } from '../test/support/stack-env.js';
import { waitFor } from '../test/support/wait-for.js';
import { ConnectClient } from './connect-client.js';
import { auditSinkFor } from '../test/support/audit-sink.js';

describe('connectors: audit sink (Kafka Connect + MongoDB sink + Avro converter)', () => {
  const connect = new ConnectClient(stackEnv.connectUrl);
  const prefix = `${uniqueName('audit')}-`;
  const collectionName = `audit_${prefix.replace(/\W/g, '_')}`;
  const spec = auditSinkFor(prefix, collectionName);
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

  it('dead-letters a document the database refuses for good, stays RUNNING, and sinks the events after it', async function () {
    this.timeout(90_000);
    const refused = sampleTaskCreated();
    refused.payload = { 'todo.task.TaskCreated': { task: sampleTask({ title: 'NUL \u0000 inside: PostgreSQL jsonb cannot hold it' }), seriesId: null, source: 'api' } };
    const after = sampleTaskCreated();
    const producer = kafka.producer({ kafkaJS: { idempotent: true } });
    await producer.connect();
    await producer.send({
      topic: contractFor('task-events', prefix).topic,
      messages: [refused, after].map((e) => ({ key: e.userId, value: serde.encode('task-events', e) })),
    });
    await producer.disconnect();

    const audit = mongo.db('todo').collection<{ _id: string }>(collectionName);
    await waitFor(() => audit.findOne({ _id: after.eventId }), { timeoutMs: 60_000, what: 'the event after the refused one in the audit store' });
    assert.equal(await audit.countDocuments({ _id: refused.eventId }), 0);
    // The sink's own tolerance (mongo.errors.tolerance): FerretDB refuses the document with a
    // command error, not a per-document write error, so only 'all' keeps the task running; the
    // record goes to the connector's dead-letter topic with Connect's context headers.
    const dead = await waitFor(async () => {
      const records = await consumeUntil(spec.config['errors.deadletterqueue.topic.name']!, (r) => r.length >= 1, { timeoutMs: 30_000 });
      return records.find((r) => r.headers['__connect.errors.topic'] === contractFor('task-events', prefix).topic) ?? null;
    }, { timeoutMs: 45_000, what: "the refused event on the connector's dead-letter topic" });
    assert.ok(dead.headers['__connect.errors.exception.class.name'], 'the failure is named');
    assert.deepEqual((await connect.status(spec.name)).tasks.map((t) => t.state), ['RUNNING']);
  });
});
