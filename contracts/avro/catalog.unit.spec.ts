import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AVRO_DIR, composeSchema, parseSchema, topicContracts, topicSchemas } from './catalog.js';
import { plain, sampleTaskCreated } from './test/fixtures.js';

const v1 = parseSchema(readFileSync(join(AVRO_DIR, 'history', 'task-events-value.v1.avsc'), 'utf8'));
const current = topicSchemas('').get('task-events')!.type;

describe('schemas: catalog', () => {
  it('composes a valid, self-contained schema for every event topic, under <topic>-value', () => {
    const schemas = topicSchemas('');
    for (const contract of topicContracts('')) {
      assert.equal(contract.subject, `${contract.topic}-value`);
      assert.equal(schemas.get(contract.name)?.type.name, contract.root);
    }
  });

  it('keeps what a parser would drop: docs and enum defaults', () => {
    const text = JSON.stringify(composeSchema('todo.task.TaskEvent'));
    assert.match(text, /"symbols":\["high","medium","low"\],"default":"medium"/);
    assert.match(text, /"doc":"The value of every record on task-events/);
  });

  it('a v2 reader decodes v1 data (the new optional field takes its default)', () => {
    const { payload, ...envelope } = sampleTaskCreated();
    const created = payload as { 'todo.task.TaskCreated': { source?: unknown } };
    delete created['todo.task.TaskCreated'].source;
    const v1Bytes = v1.toBuffer({ ...envelope, payload: created });
    const read = current.fromBuffer(v1Bytes, current.createResolver(v1)) as ReturnType<typeof sampleTaskCreated>;
    assert.equal(read.eventId, envelope.eventId);
    assert.deepEqual(plain(read.payload), { 'todo.task.TaskCreated': { ...created['todo.task.TaskCreated'], source: null } });
  });

  it('a v1 reader decodes v2 data (the field it does not know is skipped)', () => {
    const event = sampleTaskCreated('chat');
    const read = v1.fromBuffer(current.toBuffer(event), v1.createResolver(current)) as ReturnType<typeof sampleTaskCreated>;
    const { source, ...v1Created } = (event.payload as { 'todo.task.TaskCreated': { source: string | null } })['todo.task.TaskCreated'];
    assert.equal(source, 'chat');
    assert.deepEqual(plain(read.payload), { 'todo.task.TaskCreated': v1Created });
  });
});
