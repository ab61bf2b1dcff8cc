// The schema CLI against the real registry and broker, each scenario under its own topic prefix.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AVRO_DIR, composeSchema } from './catalog.js';
import { RegistryClient } from './registry-client.js';
import { kafka } from '../../test/support/kafka.js';
import { stackEnv, uniqueName } from '../../test/support/stack-env.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'todo-schemas.mjs');

async function cli(prefix: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const env = {
    ...process.env,
    TOPIC_PREFIX: prefix,
    SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl,
    KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('schemas: todo-schemas CLI', () => {
  const registry = new RegistryClient(stackEnv.schemaRegistryUrl);

  it('registers new subjects with their level, creates the topics, then reports them unchanged', async () => {
    const prefix = `${uniqueName('cli')}.`;
    const first = await cli(prefix, 'check');
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, new RegExp(`ok +${prefix}task-events-value: new subject`));

    const registered = await cli(prefix, 'register');
    assert.equal(registered.code, 0, registered.out);
    assert.equal(await registry.compatibility(`${prefix}task-events-value`), 'BACKWARD_TRANSITIVE');
    assert.deepEqual(await registry.versions(`${prefix}user-events-value`), [1]);

    const admin = kafka.admin();
    await admin.connect();
    const [meta] = await admin.fetchTopicMetadata({ topics: [`${prefix}task-events`] });
    const topics = await admin.listTopics();
    await admin.disconnect();
    assert.equal(meta?.partitions.length, 6);
    assert.ok(topics.includes(`dlq.${prefix}task-events`), 'dead-letter topic created');

    const again = await cli(prefix, 'check');
    assert.match(again.out, /task-events-value: unchanged since version 1/);
    const diff = await cli(prefix, 'diff', 'task-events');
    assert.match(diff.out, /version 1 -> local: no difference/);
  });

  it('accepts the v1 -> v2 evolution and shows the added field', async () => {
    const prefix = `${uniqueName('cli-evolve')}.`;
    const v1 = readFileSync(join(AVRO_DIR, 'history', 'task-events-value.v1.avsc'), 'utf8');
    await registry.register(`${prefix}task-events-value`, JSON.stringify(JSON.parse(v1)));
    const result = await cli(prefix, 'check');
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /ok +\S+task-events-value: compatible \(BACKWARD_TRANSITIVE\) with versions 1/);
    assert.match(result.out, /\+ todo\.task\.TaskCreated\.source: \[null, string\] = null/);
  });

  it('fails with a readable reason on an incompatible change and registers nothing', async () => {
    const prefix = `${uniqueName('cli-break')}.`;
    const subject = `${prefix}task-events-value`;
    // A released version in which userId was a long: today's schema cannot read its data.
    const released = JSON.stringify(composeSchema('todo.task.TaskEvent')).replace(
      '"name":"userId","type":"string"',
      '"name":"userId","type":"long"',
    );
    await registry.register(subject, released);

    const check = await cli(prefix, 'check');
    assert.equal(check.code, 1, check.out);
    assert.match(check.out, new RegExp(`FAIL +${subject}: incompatible \\(BACKWARD_TRANSITIVE\\)`));
    assert.match(check.out, /~ todo\.task\.TaskEvent\.userId: long -> string/);

    const register = await cli(prefix, 'register');
    assert.equal(register.code, 1);
    assert.match(register.out, /nothing registered/);
    assert.deepEqual(await registry.versions(subject), [1]);
  });

  it('exits 2 with usage on an unknown command', async () => {
    const result = await cli('', 'frobnicate');
    assert.equal(result.code, 2);
    assert.match(result.out, /usage: todo-schemas/);
  });
});
