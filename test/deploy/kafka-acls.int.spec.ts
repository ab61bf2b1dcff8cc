// Least privilege, proved on a real broker: a local Kafka with SASL/SCRAM and the standard
// authorizer gets exactly the ACLs of platform/kafka-access.ts (the table strimzi/generate
// turns into KafkaUsers), and every service runs with only its own user. The whole pipeline
// works (each service read and wrote what it must: a write answered with its materialized view,
// a reminder became an inbox notification, a completion generated the next occurrence, a device
// got a push), and one forbidden operation per user is refused by the broker.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { MongoClient } from 'mongodb';
import { Device } from '../../bridge/__tests__/client.js';
import { signDevToken } from '../../gateway/auth.js';
import { AUDIT_REDRIVE, auditDeadLetterTopic, auditRetryTopic, PROCESSORS, serviceAccess, topicSpecs } from '../../platform/kafka-access.js';
import { deadLetterHeaders } from '../../connectors/redrive/testing/dead-letters.js';
import { kafkaSecurity } from '../../platform/kafka-security.js';
import { TopicNames } from '../../platform/topic-names.js';
import { serving, spawnService, type ServiceProcess } from '../support/service.js';
import { stackEnv, uniqueName } from '../support/stack-env.js';
import { waitFor } from '../support/wait-for.js';
import { startSaslBroker, type SaslBroker } from './sasl-broker.js';
import { freePort } from '../support/free-port.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** What the broker answered, as one line: the error's librdkafka name, code and message. */
function refusal(err: unknown): string {
  const e = err as { code?: number; type?: string; message?: string };
  return [e.type, e.code === undefined ? undefined : String(e.code), e.message].filter((x) => x !== undefined).join(' ');
}

describe('Kafka ACLs: every service with only its own SCRAM user on a broker with the standard authorizer', function () {
  this.timeout(5 * 60_000);
  const prefix = `${uniqueName('acl')}.`;
  const database = uniqueName('acl').replaceAll('-', '_');
  const jwtSecret = uniqueName('acl-test-secret-long-enough');
  const services = serviceAccess(prefix);
  const started: ServiceProcess[] = [];
  let broker: SaslBroker;
  let gatewayUrl: string;
  let bridgeUrl: string;
  let redriveUrl: string;

  const client = (user: string) =>
    new KafkaJS.Kafka({ ...kafkaSecurity(broker.envFor(user)), kafkaJS: { brokers: [broker.brokers], logLevel: KafkaJS.logLevel.NOTHING } });

  /** The error the broker answers `user` producing one record to `topic`; '' if it was accepted. */
  async function produceAs(user: string, topic: string, transactionalId?: string): Promise<string> {
    const producer = client(user).producer({ kafkaJS: transactionalId ? { transactionalId, idempotent: true, maxInFlightRequests: 1 } : {}, 'message.timeout.ms': 10_000 });
    try {
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'intruder', value: 'not an event' }] });
      return '';
    } catch (err) {
      return refusal(err);
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }

  /**
   * The error the broker answers `user` asking where `topic`'s partitions begin and end: the
   * first request of any read (a consumer, the bridge's replay, a changelog restore).
   */
  async function readAs(user: string, topic: string): Promise<string> {
    const admin = client(user).admin();
    try {
      await admin.connect();
      await admin.fetchTopicOffsets(topic);
      return '';
    } catch (err) {
      return refusal(err);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  before(async function () {
    const t0 = Date.now();
    const [saslPort, controllerPort, gatewayPort, bridgePort, redrivePort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    gatewayUrl = `http://localhost:${gatewayPort}`;
    bridgeUrl = `http://localhost:${bridgePort}`;
    redriveUrl = `http://localhost:${redrivePort}`;
    broker = await startSaslBroker({
      port: saslPort,
      controllerPort,
      dataDir: join(ROOT, '.stack', 'sasl-kafka', prefix.slice(0, -1)),
      services,
      topics: topicSpecs(prefix),
    });
    const brokerMs = Date.now() - t0;
    const common = { TOPIC_PREFIX: prefix, MONGO_URL: `${stackEnv.mongoUrl.replace(/\/[^/]*$/, '')}/${database}`, JWT_SECRET: jwtSecret, TZ: 'UTC' };

    // The schema Job first, as `make deploy` runs it: as the `schemas` user.
    const register = spawnSync(process.execPath, [join(ROOT, 'bin', 'todo-schemas.mjs'), 'register'], {
      cwd: ROOT,
      env: { ...process.env, ...common, ...broker.envFor('schemas'), SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl },
      encoding: 'utf8',
    });
    assert.equal(register.status, 0, `todo-schemas register as the schemas user:\n${register.stdout}${register.stderr}`);
    assert.match(register.stdout, new RegExp(`topic ${prefix.replace('.', '\\.')}task-events: exists`));

    const registeredMs = Date.now() - t0;
    for (const p of PROCESSORS) {
      started.push(spawnService(`streams/processors/${p.name}/main.ts`, { ...common, ...broker.envFor(p.name), STREAMS_INSTANCE_ID: `${p.name}-0`, SCHEDULER_TICK_MS: '50' }));
    }
    const gateway = spawnService('gateway/main.ts', { ...common, ...broker.envFor('gateway'), GATEWAY_PORT: String(gatewayPort), RYW_TIMEOUT_MS: '10000' });
    const bridge = spawnService('bridge/main.ts', { ...common, ...broker.envFor('bridge'), BRIDGE_PORT: String(bridgePort) });
    const redrive = spawnService('connectors/redrive/main.ts', { ...common, ...broker.envFor(AUDIT_REDRIVE), METRICS_PORT: String(redrivePort), REDRIVE_BACKOFF_INITIAL_MS: '100' });
    started.push(gateway, bridge, redrive);
    await Promise.all([
      ...started.slice(0, PROCESSORS.length).map((s) => s.assigned),
      serving(gateway, `${gatewayUrl}/readyz`, 90_000),
      serving(bridge, `${bridgeUrl}/healthz`, 90_000),
      serving(redrive, `${redriveUrl}/readyz`, 90_000),
    ]);
    console.log(
      `      SASL broker with ${services.length} users and their ACLs up in ${brokerMs} ms, schemas registered at ${registeredMs} ms, ${started.length} services ready at ${Date.now() - t0} ms`,
    );
  });

  after(async function () {
    const failed = this.currentTest?.state === 'failed';
    if (failed) for (const s of started) console.log(s.output.slice(-8).join('\n'));
    for (const s of started) s.kill();
    await Promise.all(started.map((s) => s.exited));
    await broker?.stop();
    const mongo = await new MongoClient(stackEnv.mongoUrl).connect();
    await mongo.db(database).dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  describe('each service has what it needs', function () {
    const user = uniqueName('ada');
    let token = '';
    const call = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${gatewayUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as T };
    };
    before(async function () {
      token = await signDevToken(user, jwtSecret);
    });

    it('gateway and task-view: a write answers with its materialized view; the bridge pushes it to a device', async function () {
      const device = new Device(bridgeUrl, { token });
      try {
        await device.synced();
        const created = await call<{ id: string; title: string; version: number }>('POST', '/v1/tasks', { title: 'least privilege' });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal(created.body.version, 1);
        await device.until((d) => d.tasks.some((t) => t.task?.id === created.body.id), 20_000, 'the push of the created task');
      } finally {
        device.close();
      }
    });

    it('settings-view: settings written through the gateway are read back', async function () {
      const put = await call('PUT', '/v1/me/settings', { timeZone: 'Europe/Vienna' });
      assert.ok(put.status < 300, JSON.stringify(put.body));
      const got = await waitFor(async () => {
        const r = await call<{ timeZone: string }>('GET', '/v1/me/settings');
        return r.body.timeZone === 'Europe/Vienna' ? r.body : null;
      }, { timeoutMs: 20_000, what: 'the settings view' });
      assert.equal(got.timeZone, 'Europe/Vienna');
    });

    it('scheduler, notifier and notification-view: a reminder falls due and lands in the inbox', async function () {
      const at = new Date(Date.now() + 2_000).toISOString();
      const task = await call<{ id: string }>('POST', '/v1/tasks', { title: 'remind me', dueAt: new Date(Date.now() + 3_600_000).toISOString(), reminders: [{ at }] });
      assert.equal(task.status, 201, JSON.stringify(task.body));
      const inbox = await waitFor(async () => {
        const r = await call<{ items: { taskIds: string[] }[] }>('GET', '/v1/notifications');
        return r.body.items.find((n) => n.taskIds.includes(task.body.id));
      }, { timeoutMs: 30_000, intervalMs: 250, what: 'the reminder in the inbox' });
      assert.deepEqual(inbox.taskIds, [task.body.id]);
    });

    it('recurrence: completing a recurring task generates its next occurrence', async function () {
      const first = await call<{ id: string; seriesId: string }>('POST', '/v1/tasks', {
        title: 'daily standup',
        dueAt: new Date(Date.now() + 3_600_000).toISOString(),
        recurrence: { rrule: 'FREQ=DAILY', mode: 'on_completion' },
      });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal((await call('POST', `/v1/tasks/${first.body.id}/complete`)).status, 200);
      const next = await waitFor(async () => {
        const r = await call<{ items: { id: string; seriesId: string }[] }>('GET', '/v1/tasks?status=pending');
        return r.body.items.find((t) => t.seriesId === first.body.seriesId && t.id !== first.body.id);
      }, { timeoutMs: 30_000, intervalMs: 250, what: 'the next occurrence' });
      assert.notEqual(next.id, first.body.id);
    });

    it('audit-redrive: a transient dead letter of the audit sink is re-sent to the retry topic', async function () {
      // As Connect would write it (the broker's admin stands in for Connect, which this test does not run).
      const headers = deadLetterHeaders(prefix).outage;
      const producer = client('admin').producer({});
      await producer.connect();
      await producer.send({ topic: auditDeadLetterTopic(prefix), messages: [{ key: 'ada', value: 'the event bytes', headers }] });
      await producer.disconnect();
      const consumer = client('admin').consumer({ kafkaJS: { groupId: uniqueName('acl-retry-reader'), fromBeginning: true, autoCommit: false } });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: auditRetryTopic(prefix) });
        const copy = await new Promise<KafkaJS.KafkaMessage>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no re-sent copy on the retry topic within 30 s')), 30_000);
          consumer
            .run({
              eachMessage: ({ message }) => {
                clearTimeout(timer);
                resolve(message);
                return Promise.resolve();
              },
            })
            .catch(reject);
        });
        assert.equal(copy.value?.toString(), 'the event bytes');
        assert.equal(String(copy.headers?.['audit-redrive-attempt']), '1');
      } finally {
        await consumer.disconnect();
      }
    });
  });

  describe('and no more: one forbidden operation per user is refused by the broker', function () {
    const names = (p: string) => new TopicNames(p, prefix);
    const forbidden: [user: string, what: string, attempt: () => Promise<string>][] = [
      ['bridge', 'write task-events', () => produceAs('bridge', `${prefix}task-events`)],
      ['gateway', 'read a changelog', () => readAs('gateway', names('scheduler').changelog('due'))],
      ['task-view', 'write notifications', () => produceAs('task-view', `${prefix}notifications`)],
      ['settings-view', 'write user-events, its own input', () => produceAs('settings-view', `${prefix}user-events`)],
      ['scheduler', 'write task-events', () => produceAs('scheduler', `${prefix}task-events`)],
      ['recurrence', 'read notifications', () => readAs('recurrence', `${prefix}notifications`)],
      ['notifier', "use the scheduler's transactional ids", () => produceAs('notifier', `${prefix}notifications`, names('scheduler').transactionalId('intruder', 0))],
      ['notification-view', "read another processor's changelog", () => readAs('notification-view', names('notifier').changelog('pending'))],
      ['schemas', 'write task-events', () => produceAs('schemas', `${prefix}task-events`)],
      [AUDIT_REDRIVE, 'write task-events', () => produceAs(AUDIT_REDRIVE, `${prefix}task-events`)],
    ];
    for (const [user, what, attempt] of forbidden) {
      it(`${user} may not ${what}`, async function () {
        const answer = await attempt();
        console.log(`      refused: ${answer}`);
        assert.match(answer, /authorization failed/i);
      });
    }

    it('covers every user of the access table', function () {
      assert.deepEqual(new Set(forbidden.map(([user]) => user)), new Set(services.map((s) => s.name)));
    });
  });
});
