// The gateway process (gateway/main.ts, as deployed) stops gracefully on SIGTERM: it stops
// accepting connections at once, lets the request in flight finish with its normal answer,
// flushes the producer, closes its clients and exits 0. Its JSON log lines about a request
// carry the request's correlation id, trace id and user.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { MongoClient } from 'mongodb';
import { stackEnv, uniqueName } from '../../test/support/stack-env.js';
import { waitFor } from '../../test/support/wait-for.js';
import { signDevToken } from '../auth.js';
import { DEV_JWT_SECRET } from '../config.js';
import { mongoUrlFor, registerPrefix } from '../../test/support/harness.js';

interface LogLine {
  msg: string;
  port?: number;
  [key: string]: unknown;
}

describe('gateway: graceful shutdown of the process on SIGTERM', function () {
  this.timeout(90_000);
  const prefix = `${uniqueName('gw-stop')}.`;
  const database = uniqueName('gwstop').replace(/[^A-Za-z0-9_]/g, '_');
  let child: ChildProcess;
  let mongo: MongoClient;
  const lines: LogLine[] = [];
  const waiters: { test: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const logged = (msg: string) =>
    new Promise<LogLine>((resolve) => {
      const seen = lines.find((l) => l.msg === msg);
      if (seen) resolve(seen);
      else waiters.push({ test: (l) => l.msg === msg, resolve });
    });

  before(async () => {
    await registerPrefix(prefix);
    mongo = await MongoClient.connect(mongoUrlFor(database));
    child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'main.ts')], {
      env: {
        ...process.env,
        KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl,
        MONGO_URL: mongoUrlFor(database),
        TOPIC_PREFIX: prefix,
        GATEWAY_PORT: '0',
        GATEWAY_HOST: '127.0.0.1',
        RYW_TIMEOUT_MS: '3000',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      lines.push(line);
      for (const w of waiters.filter((w) => w.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    });
  });
  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await mongo.db().dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  it('finishes the request in flight, refuses new connections, and exits 0', async () => {
    const { port } = await logged('gateway listening');
    const url = `http://127.0.0.1:${port}`;
    const token = await signDevToken('stopper', DEV_JWT_SECRET);
    // No task-view processor runs here: this write waits the full read-your-writes timeout.
    const inFlight = fetch(`${url}/v1/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'slow-1', 'x-correlation-id': 'shutdown-corr-1' },
      body: JSON.stringify({ title: 'finish me' }),
    });
    await waitFor(() => mongo.db().collection('idempotency').findOne({ _id: 'stopper:slow-1' } as never), { what: 'the write to be in flight' });

    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.kill('SIGTERM');
    await logged('gateway stopping: no new connections, draining requests in flight');
    await assert.rejects(fetch(`${url}/healthz`), 'no new connections once stopping');

    const res = await inFlight;
    assert.equal(res.status, 202);
    assert.equal(((await res.json()) as { status: string }).status, 'accepted');
    const [code] = await exited;
    assert.equal(code, 0);
    assert.ok(lines.some((l) => l.msg === 'gateway stopped'));

    const ofRequest = lines.filter((l) => l.correlationId === 'shutdown-corr-1');
    assert.deepEqual(
      ofRequest.map((l) => l.msg),
      ['view did not confirm the write in time; answering 202', 'request'],
    );
    for (const line of ofRequest) {
      assert.equal(line.userId, 'stopper');
      assert.match(String(line.traceId), /^[0-9a-f]{32}$/);
    }
  });
});
