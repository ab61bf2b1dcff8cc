// The bridge against the real stack: real gateway writes, the real task-view processor, a real
// bridge, and plain socket.io-clients as devices.
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { stackEnv, uniqueName } from '../../test/support/stack-env.js';
import { GatewayHarness } from '../../test/support/harness.js';
import { parseCursor } from '../cursor.js';
import { userPartition } from '../partitioner.js';
import type { RunningBridge } from '../server.js';
import { startTestBridge } from './start.js';
import { Device } from './client.js';

interface Task {
  id: string;
  title: string;
  version: number;
}

describe('bridge: live pushes and replay (real stack)', function () {
  this.timeout(90_000);
  const harness = new GatewayHarness();
  let bridge: RunningBridge;
  let port = 0;
  const devices: Device[] = [];
  const alice = uniqueName('alice');
  const bob = uniqueName('bob');
  let bobDevice: Device;

  const startBridge = () => startTestBridge({ prefix: harness.prefix, mongoUrl: harness.mongoUrl, port });

  const device = async (user: string, options: Partial<ConstructorParameters<typeof Device>[1]> = {}) => {
    const d = new Device(bridge.url, { token: await harness.token(user), ...options });
    devices.push(d);
    return d;
  };

  const write = async (user: string, method: string, path: string, body?: unknown): Promise<Task> => {
    const reply = await harness.request<Task>(method, path, { user, ...(body !== undefined ? { body } : {}) });
    assert.ok(reply.status < 300, `${method} ${path} answered ${reply.status}: ${reply.text}`);
    return reply.body;
  };
  const create = (user: string, title: string) => write(user, 'POST', '/v1/tasks', { title });

  before(async () => {
    await harness.setup();
    await harness.startViewProcessors();
    bridge = await startBridge();
    port = bridge.port;
    bobDevice = await device(bob, { reconnection: true });
    await bobDevice.synced();
  });

  after(async () => {
    for (const d of devices) d.close();
    await bridge?.stop();
    await harness.teardown();
  });

  it('refuses a socket without a token or with a forged one', async () => {
    const none = new Device(bridge.url, { token: '' });
    const forged = new Device(bridge.url, { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.c2lnbmF0dXJl' });
    devices.push(none, forged);
    assert.equal(await none.refused(), 'unauthorized');
    assert.equal(await forged.refused(), 'unauthorized');
  });

  it('pushes a created task to a connected device within 500 ms, with the task, the event and a cursor in its partition', async () => {
    const d = await device(alice);
    await d.synced();
    // The suite's first write also pays for its pipeline's first transaction: not what is measured.
    await create(alice, 'warm-up');
    await d.until((x) => x.tasks.length === 1);
    const started = Date.now();
    const reply = await harness.request<Task>('POST', '/v1/tasks', { user: alice, body: { title: 'live one' }, headers: { prefer: 'respond-async' } });
    assert.equal(reply.status, 202);
    await d.until((x) => x.tasks.length === 2);
    const push = d.tasks[1];
    const received = d.received.filter((r) => r.kind === 'task')[1]!;
    const latency = (received.kind === 'task' ? received.at : 0) - started;
    assert.ok(latency < 500, `pushed after ${latency} ms`);
    assert.equal(push!.task?.title, 'live one');
    assert.equal(push!.task?.version, 1);
    assert.equal(push!.event.type, 'TaskCreated');
    assert.equal(push!.event.taskId, push!.task?.id);
    const cursor = parseCursor(push!.cursor);
    assert.ok(cursor && cursor !== 'invalid');
    assert.equal(cursor.partition, userPartition(alice, 6), 'the partition the producers chose, as the bridge computes it');
  });

  it('given a device that was away during five writes, when it reconnects with its cursor, then it receives exactly those five in order, then live ones', async () => {
    const d = await device(alice);
    // Another device of the same user stays connected: once it has all five changes, the
    // bridge's live feed is past them, so the reconnecting device must get them by replay.
    const watcher = await device(alice);
    await Promise.all([d.synced(), watcher.synced()]);
    const first = await create(alice, 'before the break');
    await d.until((x) => x.tasks.some((t) => t.task?.id === first.id));
    d.close();

    const a = await create(alice, 'missed a');
    await write(alice, 'POST', `/v1/tasks/${a.id}/complete`);
    await write(alice, 'POST', `/v1/tasks/${a.id}/reopen`);
    const b = await create(alice, 'missed b');
    await write(alice, 'DELETE', `/v1/tasks/${b.id}`);
    await watcher.until((x) => x.tasks.some((t) => t.task?.id === b.id && t.event.type === 'TaskDeleted'));

    const back = await device(alice, { cursor: d.cursor! });
    await back.synced();
    assert.deepEqual(
      back.tasks.map((t) => [t.event.type, t.task?.title, t.task?.version]),
      [
        ['TaskCreated', 'missed a', 1],
        ['TaskCompleted', 'missed a', 2],
        ['TaskReopened', 'missed a', 3],
        ['TaskCreated', 'missed b', 1],
        ['TaskDeleted', 'missed b', 2],
      ],
    );
    assert.equal(back.syncs[0]!.replayed, 5);
    const synced = parseCursor(back.syncs[0]!.cursor) as { offset: number };
    const last = parseCursor(back.tasks[4]!.cursor) as { offset: number };
    // At or past the last change: the log's end may be a transaction marker.
    assert.ok(synced.offset >= last.offset, `synced at ${synced.offset}, last change at ${last.offset}`);

    await create(alice, 'after the break');
    await back.until((x) => x.tasks.length === 6);
    assert.equal(back.tasks[5]!.task?.title, 'after the break');
  });

  it('works over long-polling alone', async () => {
    const d = await device(alice, { transports: ['polling'] });
    await d.synced();
    const task = await create(alice, 'over polling');
    await d.until((x) => x.tasks.some((t) => t.task?.id === task.id));
    assert.equal(d.socket.io.engine.transport.name, 'polling');
  });

  it('tells a device whose cursor is older than the log to resync, and one with a cursor it never issued too', async () => {
    const d = await device(alice);
    await d.synced();
    const old = d.cursor!;
    await create(alice, 'soon deleted from the log');
    await d.until((x) => x.tasks.some((t) => t.task?.title === 'soon deleted from the log'));
    const admin = new kafkajs.Kafka({ brokers: stackEnv.kafkaBrokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { partition } = parseCursor(old) as { partition: number };
      await admin.fetchTopicMetadata({ topics: [harness.topic('task-views')] });
      await admin.deleteTopicRecords({ topic: harness.topic('task-views'), partitions: [{ partition, offset: '-1' }] });
    } finally {
      await admin.disconnect();
    }
    const expired = await device(alice, { cursor: old });
    await expired.synced();
    assert.deepEqual(expired.received.map((r) => r.kind), ['resync', 'synced']);
    assert.deepEqual(expired.received[0], { kind: 'resync', message: { reason: 'CURSOR_EXPIRED' } });

    const foreign = await device(alice, { cursor: '0:not-a-number' });
    await foreign.synced();
    assert.equal(foreign.received[0]?.kind, 'resync');
  });

  it('given a bridge restart, when devices reconnect, then they receive what they missed while it was down', async () => {
    const d = await device(alice, { reconnection: true });
    await d.synced();
    const before = await create(alice, 'before the restart');
    await d.until((x) => x.tasks.some((t) => t.task?.id === before.id));

    const disconnected = new Promise((resolve) => d.socket.once('disconnect', resolve));
    await bridge.stop();
    await disconnected;
    const during = [await create(alice, 'while down 1'), await create(alice, 'while down 2')];
    bridge = await startBridge();

    await d.synced(2);
    const titles = d.tasks.map((t) => t.task?.title);
    assert.deepEqual(titles.slice(-2), during.map((t) => t.title));
    assert.equal(new Set(d.tasks.map((t) => t.cursor)).size, d.tasks.length, 'no change twice');
    assert.equal(d.syncs[1]!.replayed, 2);
  });

  it('never sends a user another user’s changes', async () => {
    const marker = await create(bob, 'bob only');
    await bobDevice.until((x) => x.tasks.some((t) => t.task?.id === marker.id));
    // Alice's changes were dispatched before bob's marker, on the same feed: had any been
    // addressed to bob, it would have arrived first.
    assert.deepEqual(bobDevice.tasks.map((t) => t.task?.title), ['bob only']);
  });

  it('exports sockets, pushes, push latency and replays', async () => {
    const d = await device(alice);
    await d.synced();
    const task = await create(alice, 'measured');
    await d.until((x) => x.tasks.some((t) => t.task?.id === task.id));
    const text = await (await fetch(`${bridge.url}/metrics`)).text();
    assert.match(text, /bridge_connected_sockets [1-9]/);
    assert.match(text, /bridge_events_pushed_total\{kind="task",via="(live|replay)"\} [1-9]/);
    assert.match(text, /bridge_replays_total\{outcome="replayed"\} [1-9]/);
    assert.match(text, /bridge_push_latency_seconds_count\{kind="task"\} [1-9]/);
  });
});
