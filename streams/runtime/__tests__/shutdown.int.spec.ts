// A real process and a real signal: SIGTERM stops the runtime gracefully (committed work stays
// committed, the group is left at once) and the process exits 0 by itself.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { kafka } from '../../../test/support/kafka.js';
import { stackEnv, uniqueName } from '../../../test/support/stack-env.js';
import { committedTotal, physical, produceEvents, readViews, registeredPrefix, taskCreated, users } from './support.js';

describe('streams runtime: graceful shutdown on SIGTERM (real broker)', function () {
  this.timeout(60_000);

  it('finishes, leaves the group and exits 0 on SIGTERM', async () => {
    const prefix = await registeredPrefix('rt-sigterm');
    const name = uniqueName('sigterm');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'echo-main.ts')], {
      env: {
        ...process.env,
        PROCESSOR_NAME: name,
        TOPIC_PREFIX: prefix,
        KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      const logs: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.on('line', (line) => {
          logs.push(line);
          if (line.includes('"partitions assigned"')) resolve();
        });
        void exited.then(() => reject(new Error(`the app exited before it was assigned partitions:\n${logs.join('\n')}`)));
      });
      const events = users(6).map((user) => taskCreated(user));
      await produceEvents(prefix, events);
      await readViews(prefix, (seen) => seen.length >= events.length);

      child.kill('SIGTERM');
      const [code, signal] = await exited;
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, 'exited by itself with status 0');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }

    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([`${prefix}${name}`]);
      assert.equal(groups[0]?.members.length, 0, 'left the group');
    } finally {
      await admin.disconnect();
    }
    assert.equal(await committedTotal(`${prefix}${name}`, physical('task-events', prefix)), 6);
  });
});
