// Inputs that the broker does not know yet, on the real broker: a processor waits for a topic
// created after it started (the schema Job racing the processors in a deploy, a broker that just
// restarted), and names the missing topics when they never come.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import pino from 'pino';
import { kafka } from '../../../test/support/kafka.js';
import { uniqueName } from '../../../test/support/stack-env.js';
import type { StreamsApp } from '../runtime.js';
import { echoProcessor, newApp, physical, registeredPrefix, serdeFor } from './support.js';

/** A logger whose lines can be awaited. */
function listeningLogger() {
  const lines: string[] = [];
  const waiters: { match: RegExp; resolve: () => void }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString();
      lines.push(line);
      for (const w of waiters.filter((w) => w.match.test(line))) w.resolve();
      done();
    },
  });
  const logged = (match: RegExp) => (lines.some((l) => match.test(l)) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ match, resolve })));
  return { logger: pino({ level: 'warn' }, stream), logged };
}

describe('streams runtime: inputs the broker does not know yet (real broker)', function () {
  this.timeout(60_000);
  let app: StreamsApp | undefined;
  let schemas: string;
  before(async () => {
    // Schemas come from a registered prefix; the app's own prefix has no topics at all.
    schemas = await registeredPrefix('rt-topics');
  });
  afterEach(() => app?.stop());

  it('waits for an input topic created after it started, then starts', async () => {
    const prefix = `${uniqueName('rt-late')}.`;
    const { logger, logged } = listeningLogger();
    app = newApp(echoProcessor(uniqueName('late')), prefix, { serde: serdeFor(schemas), logger, startTimeoutMs: 45_000 });
    const assigned = once(app, 'assigned');
    const started = app.start();
    await logged(/not known to the broker yet/);

    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: physical('task-events', prefix), numPartitions: 2 }] });
    } finally {
      await admin.disconnect();
    }
    await started;
    await assigned;
    assert.deepEqual(app.partitions, [0, 1]);
  });

  it('fails start-up naming the input that never came, once the start-up deadline has passed', async () => {
    const prefix = `${uniqueName('rt-never')}.`;
    app = newApp(echoProcessor(uniqueName('never')), prefix, { serde: serdeFor(schemas), startTimeoutMs: 1500 });
    await assert.rejects(app.start(), (err: Error) => {
      assert.match(err.message, new RegExp(`input topics not found: ${physical('task-events', prefix).replaceAll('.', '\\.')}`));
      assert.match(err.message, /todo-schemas register/);
      return true;
    });
  });
});
