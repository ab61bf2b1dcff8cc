// Idempotency-Key leases against real gateway processes: a request that runs longer than the
// lease keeps its key (its gateway renews it), and when its gateway is killed with SIGKILL a
// retry at another replica is served within seconds, not after a fixed minute, and repeats the
// dead request's event (same event id, same task id) instead of writing a second one.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { spawnService, serving, type ServiceProcess } from '../../test/support/service.js';
import { uniqueName } from '../../test/support/stack-env.js';
import { waitFor } from '../../test/support/wait-for.js';
import { signDevToken } from '../auth.js';
import { DEV_JWT_SECRET } from '../config.js';
import { mongoUrlFor, registerPrefix } from '../../test/support/harness.js';
import { consumeUntil } from '../../test/support/kafka.js';
import { contractFor } from '../../contracts/avro/catalog.js';

interface Claim {
  _id: string;
  state: string;
  owner?: string;
  leaseUntil?: Date;
  createdAt: Date;
}

describe('gateway: Idempotency-Key lease follows its gateway (real processes, SIGKILL)', function () {
  this.timeout(120_000);
  const prefix = `${uniqueName('idemcrash')}.`;
  const database = uniqueName('idemcrash').replace(/[^A-Za-z0-9_-]/g, '_');
  const user = uniqueName('crash-user');
  let mongo: MongoClient;
  let db: Db;
  const gateways: ServiceProcess[] = [];
  // Shorter than the default 5 s, to keep the suite short; renewed every third of it.
  const LEASE_MS = 3000;

  /** A gateway process on a free port; resolves with its URL once it serves. */
  async function gateway(): Promise<{ proc: ServiceProcess; url: string }> {
    const proc = spawnService('gateway/main.ts', {
      TOPIC_PREFIX: prefix,
      MONGO_URL: mongoUrlFor(database),
      GATEWAY_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      // No view processor runs here: a write without Prefer waits this long for its view, so
      // it stays in flight well past the lease.
      RYW_TIMEOUT_MS: '30000',
      LOG_LEVEL: 'info',
      IDEMPOTENCY_LEASE_MS: String(LEASE_MS),
    });
    gateways.push(proc);
    const line = await waitFor(() => Promise.resolve(proc.output.find((l) => l.includes('"gateway listening"')) ?? (proc.running() ? null : 'exited')), {
      timeoutMs: 60_000,
      what: 'the gateway to listen',
    });
    if (line === 'exited') throw new Error(`gateway exited:\n${proc.output.join('\n')}`);
    const url = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
    await serving(proc, `${url}/healthz`);
    return { proc, url };
  }

  before(async () => {
    await registerPrefix(prefix);
    mongo = await new MongoClient(mongoUrlFor(database)).connect();
    db = mongo.db();
  });
  after(async () => {
    for (const g of gateways) g.kill();
    await db?.dropDatabase().catch(() => undefined);
    await mongo?.close();
  });

  it('keeps the key while its request runs past the lease, frees it within seconds of a kill -9, and the retry repeats the event', async () => {
    const [a, b] = await Promise.all([gateway(), gateway()]);
    const token = await signDevToken(user, DEV_JWT_SECRET);
    const key = randomUUID();
    // The retries ask for respond-async (not part of the request's fingerprint), so the one that
    // runs answers at once instead of waiting for a view that is not running.
    const write = (url: string, prefer = '') =>
      fetch(`${url}/v1/tasks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key, prefer },
        body: JSON.stringify({ title: 'survive a crash' }),
      });

    const first = write(a.url).catch(() => null); // never answered: its gateway dies
    const claims = db.collection<Claim>('idempotency');
    const claimed = await waitFor(() => claims.findOne({ _id: `${user}:${key}` }), { what: 'the first request to claim the key' });
    assert.equal(claimed.state, 'in_flight');
    // Alive and running past its first lease: the key is renewed, never taken over.
    const initialLease = claimed.leaseUntil!.getTime();
    await waitFor(async () => ((await claims.findOne({ _id: claimed._id }))?.leaseUntil?.getTime() ?? 0) > initialLease + LEASE_MS, {
      timeoutMs: 4 * LEASE_MS,
      what: 'the lease to be renewed past its first term',
    });
    assert.ok(Date.now() > initialLease, 'the first lease term is over');
    const during = await write(b.url, 'respond-async');
    const duringText = await during.text();
    assert.equal(during.status, 409, duringText);
    assert.equal((JSON.parse(duringText) as { error: { code: string } }).error.code, 'IDEMPOTENCY_IN_PROGRESS');

    a.proc.child.kill('SIGKILL');
    await a.proc.exited;
    const killedAt = Date.now();
    let answer: Response;
    let conflicts = 0;
    for (;;) {
      answer = await write(b.url, 'respond-async');
      if (answer.status !== 409) break;
      conflicts++;
      assert.ok(Date.now() - killedAt < 60_000, 'still 409 a minute after the kill');
      await new Promise((resolve) => setTimeout(resolve, 200)); // a client honouring Retry-After, faster
    }
    const servedAfterMs = Date.now() - killedAt;
    const answerText = await answer.text();
    assert.equal(answer.status, 202, answerText);
    assert.ok(servedAfterMs < LEASE_MS + 3000, `served ${servedAfterMs} ms after the kill (${conflicts} conflicts before)`);
    const retried = JSON.parse(answerText) as { status: string; taskId: string; eventId: string };
    assert.equal(retried.status, 'accepted');
    process.stdout.write(`      (retry served ${servedAfterMs} ms after the kill, ${conflicts} × 409 before)\n`);
    const again = await write(b.url, 'respond-async');
    assert.equal(again.headers.get('idempotent-replayed'), 'true', 'the retry that ran is now the first answer');
    assert.equal(await first, null);
    // The dead request had produced its TaskCreated before it was killed; the retry's is the
    // same event again (what the views' dedup by event id absorbs), not a second task.
    const events = await consumeUntil(contractFor('task-events', prefix).topic, (rs) => rs.length >= 2, { timeoutMs: 30_000 });
    assert.equal(events.length, 2, 'one event per attempt');
    for (const record of events) {
      assert.ok(record.value?.includes(retried.eventId), `every attempt's event has the retry's event id ${retried.eventId}`);
      assert.ok(record.value?.includes(retried.taskId), `every attempt's event creates task ${retried.taskId}`);
    }
  });
});
