// The serde against the real registry and broker: Confluent framing with the registered id, a
// round trip through Kafka, data written with an older version read in today's shape, and
// clear, non-retriable errors for records that cannot be decoded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { AVRO_DIR, contractFor, parseSchema, topicSchemas } from './catalog.js';
import { EventSerde, SerdeError } from './serde.js';
import { plain, sampleTaskCreated } from './test/fixtures.js';
import { consumeUntil, createTopic, kafka } from '../../test/support/kafka.js';
import { stackEnv, uniqueName } from '../../test/support/stack-env.js';

describe('schemas: serde (real registry and broker)', () => {
  const registry = new SchemaRegistry({ host: stackEnv.schemaRegistryUrl });
  const v1Text = readFileSync(join(AVRO_DIR, 'history', 'task-events-value.v1.avsc'), 'utf8');
  let serde: EventSerde;
  let subject: string;
  let v1Id: number;
  let currentId: number;

  before(async () => {
    // Register v1 then the current schema under a subject of this run, as a release history would.
    const prefix = `${uniqueName('serde')}.`;
    subject = contractFor('task-events', prefix).subject;
    const opts = { subject, compatibility: COMPATIBILITY.BACKWARD_TRANSITIVE };
    v1Id = (await registry.register({ type: SchemaType.AVRO, schema: v1Text }, opts)).id;
    const current = JSON.stringify(topicSchemas(prefix).get('task-events')!.schema);
    currentId = (await registry.register({ type: SchemaType.AVRO, schema: current }, opts)).id;
    serde = new EventSerde(registry, { topicPrefix: prefix });
    await serde.init(['task-events']);
  });

  it('resolves the id of the local schema once and frames records with it', () => {
    const bytes = serde.encode('task-events', sampleTaskCreated());
    assert.equal(serde.schemaId('task-events'), currentId);
    assert.equal(bytes[0], 0);
    assert.equal(bytes.readInt32BE(1), currentId);
  });

  it('round-trips an event through Kafka', async () => {
    const topic = uniqueName('serde-roundtrip');
    await createTopic(topic);
    const event = sampleTaskCreated();
    const producer = kafka.producer({ kafkaJS: { idempotent: true } });
    await producer.connect();
    await producer.send({ topic, messages: [{ key: event.userId, value: serde.encode('task-events', event) }] });
    await producer.disconnect();
    const [record] = await consumeUntil(topic, (seen) => seen.length === 1);
    assert.deepEqual(plain(await serde.decode('task-events', record!.value!)), event);
  });

  it('reads data written with v1 in the current shape', async () => {
    const { payload, ...envelope } = sampleTaskCreated();
    const { source: _dropped, ...created } = (payload as { 'todo.task.TaskCreated': { source: unknown } })['todo.task.TaskCreated'];
    const body = parseSchema(v1Text).toBuffer({ ...envelope, payload: { 'todo.task.TaskCreated': created } });
    const header = Buffer.from([0, 0, 0, 0, 0]);
    header.writeInt32BE(v1Id, 1);
    const decoded = plain(await serde.decode('task-events', Buffer.concat([header, body])));
    assert.deepEqual(decoded, { ...envelope, payload: { 'todo.task.TaskCreated': { ...created, source: null } } });
  });

  it('refuses, without retry, bytes that are not Confluent-framed or name an unknown schema', async () => {
    await assert.rejects(serde.decode('task-events', Buffer.from('{"json":true}')), (err: unknown) => {
      return err instanceof SerdeError && err.code === 'NOT_CONFLUENT_FRAMED' && !err.retriable;
    });
    await assert.rejects(serde.decode('task-events', Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1])), (err: unknown) => {
      return err instanceof SerdeError && err.code === 'UNKNOWN_SCHEMA_ID';
    });
  });

  it('refuses to encode an event that does not match the schema, naming the field', () => {
    const bad = { ...sampleTaskCreated(), occurredAt: 'yesterday' };
    assert.throws(() => serde.encode('task-events', bad), (err: unknown) => {
      return err instanceof SerdeError && err.code === 'INVALID_EVENT' && /occurredAt/.test(err.message);
    });
  });

  it('refuses to start when the local schema is not registered', async () => {
    const unregistered = new EventSerde(registry, { topicPrefix: `${uniqueName('none')}.` });
    await assert.rejects(unregistered.init(['task-events']), (err: unknown) => {
      return err instanceof SerdeError && err.code === 'SCHEMA_NOT_REGISTERED' && /make schemas-register/.test(err.message);
    });
  });
});
