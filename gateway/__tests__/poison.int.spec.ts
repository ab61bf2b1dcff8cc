// One poison write must not stop the world. A task event the database refuses for good (here a
// NUL character, which PostgreSQL's jsonb behind FerretDB cannot hold; the door refuses it, so
// it arrives as an older gateway or a foreign producer would send it) is dead-lettered by the
// real task-view, its writer hears a clear 422 at once instead of waiting out read-your-writes,
// and the writes of other users on the same partition keep answering with the materialized task.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createTask } from '../../domain/task-commands.js';
import { taskFields } from '../../domain/testing/task-fields.js';
import { EventSerde } from '../../contracts/avro/serde.js';
import { DLQ_HEADERS } from '../../streams/runtime/index.js';
import { userPartition } from '../../bridge/partitioner.js';
import { readAll } from '../../streams/runtime/__tests__/support.js';
import { stackEnv, uniqueName } from '../../test/support/stack-env.js';
import { UnprocessableError } from '../../platform/http-errors.js';
import type { GatewayContext } from '../http/state.js';
import { GatewayMetrics } from '../metrics.js';
import { ViewChangeConsumer, ViewChangeWaiters } from '../view-changes.js';
import { WritePath } from '../write-path.js';
import { GatewayHarness } from '../../test/support/harness.js';

/** The request context the write path reads: headers, the correlation id, a logger. */
const requestContext = (): GatewayContext =>
  ({
    get: () => '',
    set: () => undefined,
    state: { correlationId: randomUUID(), traceparent: `00-${randomUUID().replaceAll('-', '')}-${'1'.repeat(16)}-01`, log: pino({ level: 'silent' }) },
  }) as unknown as GatewayContext;

describe('gateway: a write the store refuses is dead-lettered and answered at once; the partition keeps going', function () {
  this.timeout(90_000);
  const h = new GatewayHarness({ RYW_TIMEOUT_MS: '8000' });
  let followers: ViewChangeConsumer;
  let writes: WritePath;

  before(async () => {
    await h.setup();
    await h.startViewProcessors();
    const serde = EventSerde.forUrl(stackEnv.schemaRegistryUrl, { topicPrefix: h.prefix });
    await serde.init(['task-events', 'user-events', 'task-views', 'notifications']);
    const waiters = new ViewChangeWaiters();
    followers = new ViewChangeConsumer({ brokers: stackEnv.kafkaBrokers, topicPrefix: h.prefix, serde, waiters, logger: pino({ level: 'silent' }) });
    await followers.start();
    // The gateway's own write path and producer, with the view outcomes followed as it does.
    writes = new WritePath({ serde, publisher: h.gateway.publisher, viewChanges: waiters, metrics: new GatewayMetrics(), topicPrefix: h.prefix, rywTimeoutMs: 8000 });
  });
  after(async () => {
    await followers?.stop();
    await h.teardown();
  });

  it('answers the poison write 422 EVENT_UNPROCESSABLE well before the read-your-writes timeout, and a neighbour on its partition 201', async () => {
    const poisoner = uniqueName('poisoner');
    // Another user whose events share the poisoner's partition.
    const partition = userPartition(poisoner, 6);
    let neighbour = uniqueName('neighbour');
    while (userPartition(neighbour, 6) !== partition) neighbour = uniqueName('neighbour');

    const event = createTask(
      { userId: poisoner, correlationId: randomUUID(), now: Date.now(), newId: () => randomUUID() },
      randomUUID(),
      taskFields({ title: 'NUL \u0000 in the title' }),
      { source: 'api' },
    );
    const started = performance.now();
    const poisoned = writes.submitTask(requestContext(), event).then(
      () => assert.fail('the poison write was answered as a success'),
      (err: unknown) => err,
    );
    const neighbourWrite = h.request<{ id: string; title: string }>('POST', '/v1/tasks', { user: neighbour, body: { title: 'right behind the poison' } });

    const refusal = await poisoned;
    const ms = performance.now() - started;
    assert.ok(refusal instanceof UnprocessableError, String(refusal));
    assert.equal(refusal.status, 422);
    assert.equal(refusal.code, 'EVENT_UNPROCESSABLE');
    assert.match(JSON.stringify(refusal.details), /SQLSTATE_22P05/);
    assert.ok(ms < 4000, `answered in ${Math.round(ms)} ms, not after the 8 s read-your-writes wait`);

    const next = await neighbourWrite;
    assert.equal(next.status, 201, next.text);
    assert.equal(next.body.title, 'right behind the poison');
    // And later writes still get the materialized task, not a 202.
    const later = await h.request<{ title: string }>('POST', '/v1/tasks', { user: neighbour, body: { title: 'and the one after' } });
    assert.equal(later.status, 201, later.text);

    const dead = (await readAll(`dlq.${h.topic('task-events')}`)).filter((r) => r.headers[DLQ_HEADERS.processor] === 'task-view');
    assert.deepEqual(dead.map((r) => [r.headers[DLQ_HEADERS.code], r.partition]), [['SQLSTATE_22P05', partition]]);
    assert.equal(await h.db.collection('tasks').countDocuments({ _id: event.taskId } as never), 0);
    process.stdout.write(`      (poison write answered 422 in ${Math.round(ms)} ms)\n`);
  });

  it('refuses the same text at the door with 400, producing nothing', async () => {
    const res = await h.request<{ error: { code: string } }>('POST', '/v1/tasks', { user: uniqueName('door'), body: { title: 'NUL \u0000 in the title' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
  });
});
