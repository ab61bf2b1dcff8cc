// The schema registry speaks the Confluent API our clients use: it registers Avro schemas,
// accepts a compatible evolution, refuses an incompatible one, and serves schemas by id.
import assert from 'node:assert/strict';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { stackEnv, uniqueName } from '../support/stack-env.js';

const record = (fields: object[]) =>
  JSON.stringify({ type: 'record', name: 'SmokeEvent', namespace: 'todo.smoke', fields });

const v1 = record([
  { name: 'eventId', type: 'string' },
  { name: 'title', type: 'string' },
]);
// Compatible: a new optional field with a default.
const v2 = record([
  { name: 'eventId', type: 'string' },
  { name: 'title', type: 'string' },
  { name: 'priority', type: ['null', 'string'], default: null },
]);
// Incompatible: a new field a v2 reader cannot fill from v1 data.
const v3 = record([
  { name: 'eventId', type: 'string' },
  { name: 'title', type: 'string' },
  { name: 'ownerId', type: 'string' },
]);

describe('stack: schema registry', () => {
  const registry = new SchemaRegistry({ host: stackEnv.schemaRegistryUrl });
  const subject = `${uniqueName('smoke')}-value`;
  const opts = { subject, compatibility: COMPATIBILITY.BACKWARD_TRANSITIVE };

  it('registers a schema, accepts a compatible change and refuses an incompatible one', async () => {
    const first = await registry.register({ type: SchemaType.AVRO, schema: v1 }, opts);
    const second = await registry.register({ type: SchemaType.AVRO, schema: v2 }, opts);
    assert.notEqual(first.id, second.id);
    await assert.rejects(registry.register({ type: SchemaType.AVRO, schema: v3 }, opts), /incompatib|409/i);
    assert.equal(await registry.getLatestSchemaId(subject), second.id);
  });

  it('encodes in the Confluent wire format and decodes by the id it carries', async () => {
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: v1 }, opts);
    const event = { eventId: 'e-1', title: 'buy milk' };
    const bytes = await registry.encode(id, event);
    assert.equal(bytes[0], 0, 'magic byte');
    assert.equal(bytes.readInt32BE(1), id, 'schema id');
    // A fresh client has nothing cached: decoding must fetch the schema by id from the registry.
    const decoded = (await new SchemaRegistry({ host: stackEnv.schemaRegistryUrl }).decode(bytes)) as object;
    assert.deepEqual({ ...decoded }, event);
  });
});
