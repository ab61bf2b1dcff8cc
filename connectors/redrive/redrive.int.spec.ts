// The audit re-drive (connectors/redrive/main.ts, its own process) with the real audit connector
// on the real Connect worker, through a real database outage: the spec's own FerretDB loses its
// PostgreSQL (testing/database-outage.ts), the sink dead-letters what it cannot write, and once
// PostgreSQL is back every such event is in the audit store, once. A document the database
// refuses for good (a NUL character) stays in the dead-letter topic, counted; every dead letter's
// offset ends up committed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { contractFor } from '../../contracts/avro/catalog.js';
import { EventSerde } from '../../contracts/avro/serde.js';
import { sampleTask, sampleTaskCreated } from '../../contracts/avro/test/fixtures.js';
import type { TaskEvent } from '../../contracts/avro/generated/avro-types.js';
import { readGroupOffsets } from '../../platform/committed-offsets.js';
import { AUDIT_REDRIVE, auditDeadLetterTopic, auditRetryTopic } from '../../platform/kafka-access.js';
import { freePort } from '../../test/support/free-port.js';
import { consumeUntil, kafka, type ConsumedRecord } from '../../test/support/kafka.js';
import { serving, spawnService, type ServiceProcess } from '../../test/support/service.js';
import { stackEnv, uniqueName } from '../../test/support/stack-env.js';
import { waitFor } from '../../test/support/wait-for.js';
import { ConnectClient, renderConnector, type ConnectorSpec } from '../connect-client.js';
import { backoffMs } from './redrive.js';
import { ferretDbBinary, startDatabaseOutage, type DatabaseOutage } from './testing/database-outage.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** Short waits, and enough attempts (60) to outlast the outage below with room to spare. */
const POLICY = { initialBackoffMs: 300, maxBackoffMs: 1500, jitter: 0.2 };

describe('audit re-drive: the audit store is complete after a database outage (real Connect, real FerretDB outage)', function () {
  this.timeout(180_000);
  const prefix = `${uniqueName('redrive')}-`;
  const collectionName = `audit_${prefix.replace(/\W/g, '_')}`;
  const taskEvents = contractFor('task-events', prefix).topic;
  const deadLetters = auditDeadLetterTopic(prefix);
  const connect = new ConnectClient(stackEnv.connectUrl);
  let outage: DatabaseOutage;
  let spec: ConnectorSpec;
  let mongo: MongoClient;
  let serde: EventSerde;
  let redrive: ServiceProcess;
  let metricsUrl: string;

  const audit = () => mongo.db('todo').collection<{ _id: string }>(collectionName);
  const produce = async (events: TaskEvent[], headers: Record<string, string> = {}) => {
    const producer = kafka.producer({ kafkaJS: { idempotent: true } });
    await producer.connect();
    try {
      await producer.send({ topic: taskEvents, messages: events.map((e) => ({ key: e.userId, value: serde.encode('task-events', e), headers: { ...headers, 'correlation-id': e.correlationId } })) });
    } finally {
      await producer.disconnect();
    }
  };
  const inAuditStore = (e: TaskEvent, what: string) => waitFor(() => audit().findOne({ _id: e.eventId }), { timeoutMs: 60_000, what });
  /** The value of one series of the re-drive's /metrics (0 when absent). */
  const metric = async (series: string): Promise<number> => {
    const text = await (await fetch(metricsUrl)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
  /** The group's committed offset of the dead-letter partition and that partition's end. */
  const deadLetterProgress = async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [end] = await admin.fetchTopicOffsets(deadLetters);
      const committed = await readGroupOffsets(kafka, `${prefix}${AUDIT_REDRIVE}`, [deadLetters]);
      return { committed: committed.get(`${deadLetters}/0`) ?? -1, end: Number(end!.high) };
    } finally {
      await admin.disconnect();
    }
  };
  const allCommitted = (what: string) =>
    waitFor(async () => {
      const p = await deadLetterProgress();
      return p.end > 0 && p.committed === p.end ? p : null;
    }, { timeoutMs: 60_000, intervalMs: 250, what });
  const readDeadLetters = (done: (r: ConsumedRecord[]) => boolean) => consumeUntil(deadLetters, done, { timeoutMs: 60_000 });

  before(async function () {
    // The outage needs the local stack's PostgreSQL (stack/with-stack.sh exports the URL that
    // `stack/stack.sh env` prints, but only for the local stack, not for one named by
    // KAFKA_BROKERS) and its FerretDB binary. Without them this spec fails: it is never skipped.
    const postgresUrl = process.env.POSTGRES_URL;
    if (!postgresUrl) {
      throw new Error('POSTGRES_URL is not set: run this spec through stack/with-stack.sh on the local stack (make stack-up; KAFKA_BROKERS unset), which exports it from `stack/stack.sh env`');
    }
    if (!ferretDbBinary()) {
      throw new Error(`no FerretDB binary under ${process.env.STACK_CACHE_DIR ?? '.stack'}/dist/ferretdb: make setup (or stack/stack.sh fetch) builds it`);
    }
    outage = await startDatabaseOutage(postgresUrl);
    // The contract's topics and the retry topic, before the connector subscribes to them.
    await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'todo-schemas.mjs'), 'register'], {
      env: { ...process.env, TOPIC_PREFIX: prefix, SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl, KAFKA_BROKERS: stackEnv.kafkaBrokers.join(',') },
    });
    serde = EventSerde.forUrl(stackEnv.schemaRegistryUrl, { topicPrefix: prefix });
    await serde.init(['task-events']);
    mongo = await MongoClient.connect(outage.mongoUrl);
    spec = renderConnector('audit-sink.json.tmpl', {
      TOPIC_PREFIX: prefix,
      AUDIT_COLLECTION: collectionName,
      MONGO_URL: outage.mongoUrl,
      REGISTRY_BASE_URL: new URL(stackEnv.schemaRegistryUrl).origin,
    });
    assert.ok(spec.config.topics?.split(',').includes(auditRetryTopic(prefix)), 'the sink reads the retry topic');
    await connect.apply(spec);
    const port = await freePort();
    metricsUrl = `http://localhost:${port}/metrics`;
    redrive = spawnService('connectors/redrive/main.ts', {
      TOPIC_PREFIX: prefix,
      METRICS_PORT: String(port),
      REDRIVE_BACKOFF_INITIAL_MS: String(POLICY.initialBackoffMs),
      REDRIVE_BACKOFF_MAX_MS: String(POLICY.maxBackoffMs),
      REDRIVE_JITTER: String(POLICY.jitter),
      REDRIVE_MAX_ATTEMPTS: '60',
    });
    await serving(redrive, `http://localhost:${port}/readyz`, 60_000);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(redrive?.output.slice(-15).join('\n'));
    redrive?.kill();
    await connect.remove(spec?.name ?? '').catch(() => undefined);
    await mongo?.db('todo').collection(collectionName).drop().catch(() => undefined);
    await mongo?.close();
    await outage?.stop();
  });

  it('leaves a document the database refuses for good in the dead-letter topic, counted, and commits past it', async function () {
    const refused = sampleTaskCreated();
    refused.payload = { 'todo.task.TaskCreated': { task: sampleTask({ title: 'NUL \u0000 inside: PostgreSQL jsonb cannot hold it' }), seriesId: null, source: 'api' } };
    const after = sampleTaskCreated();
    await produce([refused, after]);
    await inAuditStore(after, 'the event after the refused one in the audit store');

    await waitFor(async () => (await metric('audit_redrive_parked_total{reason="permanent"}')) === 1, { timeoutMs: 30_000, what: 'one dead letter parked as permanent' });
    const progress = await allCommitted('the re-drive to commit past the refused event');
    assert.equal(progress.end, 1, 'one dead letter: the refused event');
    const [dead] = await readDeadLetters((r) => r.length >= 1);
    assert.equal(dead!.headers['__connect.errors.topic'], taskEvents);
    assert.match(dead!.headers['__connect.errors.exception.message'] ?? '', /SQLSTATE 22P05/);
    assert.equal(await metric('audit_redrive_redriven_total{code="MONGO_InternalError"}'), 0, 'nothing re-sent');
    assert.equal(await audit().countDocuments({ _id: refused.eventId }), 0);
  });

  it('re-drives what was dead-lettered while PostgreSQL was gone: once it is back, each event is in the audit store once', async function () {
    const before = sampleTaskCreated();
    await produce([before]);
    await inAuditStore(before, 'an event written before the outage');
    const { end: deadBefore } = await deadLetterProgress();

    await outage.cut();
    const cutAt = Date.now();
    const during = ['ada', 'grace', 'linus', 'barbara', 'ken'].map((userId) => ({ ...sampleTaskCreated(), userId }));
    await produce(during, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    // Every event of the outage dead-lettered for a transient reason, and re-sent copies failed
    // again and came back through the dead-letter topic carrying their attempt, twice: the
    // re-drive went on trying, backed off, while the database was away.
    const dead = await readDeadLetters((records) => {
      const fresh = records.slice(deadBefore);
      return fresh.filter((r) => r.headers['__connect.errors.topic'] === taskEvents).length >= during.length && fresh.some((r) => r.headers['audit-redrive-attempt'] === '3');
    });
    const fresh = dead.slice(deadBefore);
    for (const r of fresh) {
      assert.equal(r.headers['__connect.errors.stage'], 'TASK_PUT');
      assert.match(r.headers['__connect.errors.exception.message'] ?? '', /^Command failed with error 1 \(InternalError\)/);
      assert.doesNotMatch(r.headers['__connect.errors.exception.message'] ?? '', /SQLSTATE/);
    }
    const again = fresh.find((r) => r.headers['audit-redrive-attempt'] === '2')!;
    assert.equal(again.headers['__connect.errors.topic'], auditRetryTopic(prefix), 'a re-sent copy failed in the retry topic');
    assert.equal(again.headers['audit-redrive-origin'], taskEvents);
    assert.equal(again.headers.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'the event’s own headers travel with it');

    await outage.restore();
    const outageMs = Date.now() - cutAt;
    for (const e of during) await inAuditStore(e, `${e.userId}'s event of the outage in the audit store`);
    const completeMs = Date.now() - cutAt - outageMs;
    const progress = await allCommitted('the re-drive to commit every dead letter');
    for (const e of during) {
      assert.equal(await audit().countDocuments({ _id: e.eventId }), 1, `${e.userId}'s event once`);
      const doc = (await audit().findOne({ _id: e.eventId })) as Record<string, unknown> | null;
      assert.deepEqual([doc?.type, doc?.userId, doc?.taskId], ['TaskCreated', e.userId, e.taskId]);
    }
    const redriven = await metric('audit_redrive_redriven_total{code="MONGO_InternalError"}');
    assert.ok(redriven >= during.length + 2, `${redriven} re-sends for ${during.length} events, one of them at least three times`);
    // No storm: an event is re-sent no more often than its backoff allows, even at the shortest
    // jittered waits (redrive.ts's backoffMs), over the outage and the last re-send after it.
    let fits = 0;
    for (let waited = 0; waited <= outageMs; fits++) waited += backoffMs(fits + 1, POLICY, () => 1);
    assert.ok(redriven <= during.length * (fits + 1), `${redriven} re-sends of ${during.length} events in a ${outageMs} ms outage: at most ${fits + 1} each`);
    assert.equal(redriven, progress.end - deadBefore, 'every dead letter of the outage was re-sent, none parked');
    assert.equal(await metric('audit_redrive_parked_total{reason="permanent"}'), 1, 'only the refused event of the first test parked');
    assert.equal(await metric('audit_redrive_oldest_waiting_seconds'), 0, 'nothing waits');
    assert.deepEqual((await connect.status(spec.name)).tasks.map((t) => t.state), ['RUNNING']);
    console.log(
      `      ${during.length} events dead-lettered during a ${outageMs} ms outage: ${progress.end - deadBefore} dead letters, ${redriven} re-sends, all in the audit store ${completeMs} ms after PostgreSQL was back, all committed`,
    );
  });

  it('stops gracefully on SIGTERM', async function () {
    const t0 = Date.now();
    redrive.child.kill('SIGTERM');
    const [code, signal] = await redrive.exited;
    assert.equal(code, 0, `exited with ${String(code ?? signal)}:\n${redrive.output.slice(-5).join('\n')}`);
    assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);
  });
});
