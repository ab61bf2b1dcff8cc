import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AVRO_DIR, composeSchema } from './catalog.js';
import { diffSchemas } from './schema-diff.js';

describe('schemas: diff', () => {
  const v1 = JSON.parse(readFileSync(join(AVRO_DIR, 'history', 'task-events-value.v1.avsc'), 'utf8')) as object;
  const v2 = composeSchema('todo.task.TaskEvent');

  it('names exactly the field v2 added, with its type and default', () => {
    assert.deepEqual(diffSchemas(v1, v2), ['+ todo.task.TaskCreated.source: [null, string] = null']);
  });

  it('reports removals and type changes the other way round', () => {
    const changed = JSON.parse(JSON.stringify(v2).replace('"name":"userId","type":"string"', '"name":"userId","type":"long"')) as object;
    assert.deepEqual(diffSchemas(v2, v1), ['- todo.task.TaskCreated.source: [null, string] = null']);
    assert.deepEqual(diffSchemas(v2, changed), ['~ todo.task.TaskEvent.userId: string -> long']);
  });

  it('is empty for the same schema', () => {
    assert.deepEqual(diffSchemas(v2, composeSchema('todo.task.TaskEvent')), []);
  });
});
