// The stack scripts' promises: a clean stop that leaves no listener behind, data that survives
// a restart, and one clear line naming the piece and the cause when something is in the way.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { MongoClient } from 'mongodb';
import { createTopic, kafka } from '../support/kafka.js';
import { stackEnv, uniqueName } from '../support/stack-env.js';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

async function bash(script: string, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, ...env } });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

const listening = (port: number): Promise<boolean> =>
  bash(`(exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null`).then((r) => r.code === 0);

describe('stack: scripts', () => {
  it('refuses to start a component on a taken port, with one line naming it', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await bash('source stack/lib.sh; source stack/components/registry.sh; registry_start', {
        REGISTRY_PORT: String(port),
      });
      assert.equal(result.code, 1);
      assert.match(result.out, new RegExp(`\\[stack\\] FAILED registry: port ${port} is already in use`));
    } finally {
      server.close();
    }
  });

  it('names a missing tool and how to get it', async () => {
    const result = await bash('source stack/lib.sh; need_cmd kafka definitely-not-installed "install it with: apt-get install -y x"');
    assert.equal(result.code, 1);
    assert.match(result.out, /FAILED kafka: required command 'definitely-not-installed' not found; install it with/);
  });

  // Stops and restarts the whole local stack: only where the test run owns it (make test).
  (process.env.STACK_LOCAL === '1' ? describe : describe.skip)('restart of the local stack', function () {
    this.timeout(240_000);

    it('stops with no listener left, and keeps topics, schemas and documents across a restart', async () => {
      const topic = uniqueName('restart');
      const subject = `${topic}-value`;
      const collection = uniqueName('restart');
      await createTopic(topic);
      const registry = new SchemaRegistry({ host: stackEnv.schemaRegistryUrl });
      const schema = JSON.stringify({ type: 'record', name: 'Kept', fields: [{ name: 'id', type: 'string' }] });
      const { id } = await registry.register(
        { type: SchemaType.AVRO, schema },
        { subject, compatibility: COMPATIBILITY.BACKWARD_TRANSITIVE },
      );
      let mongo = await MongoClient.connect(stackEnv.mongoUrl);
      await mongo.db().collection(collection).insertOne({ kept: true });
      await mongo.close();

      const down = await bash('stack/stack.sh down');
      assert.equal(down.code, 0, down.out);
      for (const port of [9092, 9093, 8081, 9000, 5433, 27017, 8089, 8083, 9090]) {
        assert.equal(await listening(port), false, `port ${port} still listening after stack-down`);
      }
      const up = await bash('stack/stack.sh up');
      assert.equal(up.code, 0, up.out);

      const admin = kafka.admin();
      await admin.connect();
      const topics = await admin.listTopics();
      await admin.disconnect();
      assert.ok(topics.includes(topic), 'topic kept');
      assert.equal(await new SchemaRegistry({ host: stackEnv.schemaRegistryUrl }).getLatestSchemaId(subject), id);
      mongo = await MongoClient.connect(stackEnv.mongoUrl);
      assert.equal(await mongo.db().collection(collection).countDocuments({ kept: true }), 1);
      await mongo.close();
    });
  });
});
