// GET /v1/tasks/:id/history from the audit store the real audit connector fills (this suite
// applies connectors/audit-sink.json.tmpl with its own prefix and collections). After a mixed
// workload with rejected writes (two concurrent PATCHes with one If-Match, completing twice,
// a change racing a delete), the history equals what the log holds for the task: task-views
// read independently, in task-events order, joined to the events of task-events, outcomes
// included; with paging, and 404 for a task that is not the caller's.
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { ConnectClient, type ConnectorSpec } from '../../connectors/connect-client.js';
import { stackEnv, uniqueName } from '../../test/support/stack-env.js';
import { waitFor } from '../../test/support/wait-for.js';
import type { TaskResource } from '../../contracts/task-resource.js';
import { GatewayHarness, type TaskViewStore } from '../../test/support/harness.js';
import { auditSinkFor } from '../../test/support/audit-sink.js';

interface Entry {
  eventId: string;
  type: string;
  actor: string | null;
  correlationId: string | null;
  outcome: string;
  reason: string | null;
  version: number | null;
  expectedVersion: number | null;
  changes: { field: string; before: unknown; after: unknown }[];
  position: { partition: number; offset: number } | null;
}
interface Page {
  items: Entry[];
  nextCursor: string | null;
}


describe('gateway: GET /v1/tasks/:id/history (real audit connector, real task-view processor)', function () {
  this.timeout(120_000);
  const collection = uniqueName('audit_hist').replace(/\W/g, '_');
  const h = new GatewayHarness({ AUDIT_DATABASE: 'todo', AUDIT_COLLECTION: collection });
  const connect = new ConnectClient(stackEnv.connectUrl);
  let spec: ConnectorSpec;
  let mongo: MongoClient;
  const user = uniqueName('hist-user');

  // Writes of the task view wait while `held` is set: two PATCHes with one If-Match both pass
  // the gateway's check (which reads the view) only if neither was applied before the second
  // was checked, and on a busy machine the first is often applied first.
  let held: Promise<void> | null = null;
  const holdable = (store: TaskViewStore): TaskViewStore => ({
    load: (ids) => store.load(ids),
    write: async (writes) => {
      await held;
      return store.write(writes);
    },
  });

  before(async () => {
    await h.setup();
    await h.startViewProcessors({ wrapStore: holdable });
    spec = auditSinkFor(h.prefix, collection);
    await connect.apply(spec);
    mongo = await MongoClient.connect(stackEnv.mongoUrl);
  });

  after(async () => {
    await connect.remove(spec.name).catch(() => undefined);
    for (const name of [collection, `${collection}_outcomes`]) await mongo?.db('todo').collection(name).drop().catch(() => undefined);
    await mongo?.close();
    await h.teardown();
  });

  const history = async (id: string, query = '', as = user) => h.request<Page>('GET', `/v1/tasks/${id}/history${query}`, { user: as });
  const all = async (id: string, limit: number) => {
    const items: Entry[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof history>> = await history(id, `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, page.text);
      items.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return items;
  };

  /**
   * What the log says happened to the task: task-views in task-events order, joined to
   * task-events. A marker write, made last, bounds the read: one user's events share a
   * partition, so once the marker is in task-events everything before it is, and once
   * task-views holds one outcome per event, every outcome is.
   */
  async function fromTheLog(taskId: string) {
    const marker = await h.request('POST', '/v1/tasks', { user, body: { title: 'marker' }, headers: { 'x-correlation-id': 'corr-marker' } });
    assert.equal(marker.status, 201);
    const mine = <R extends { key: Buffer | null }>(rs: R[]) => rs.filter((r) => r.key?.toString() === user);
    const events = await h.records('task-events', (rs) => mine(rs).some((r) => r.headers['correlation-id'] === 'corr-marker'));
    const views = await h.records('task-views', (rs) => mine(rs).length >= mine(events).length);
    const decodedEvents = await Promise.all(mine(events).map((r) => h.decode<{ eventId: string; type: string; actor: string; correlationId: string; taskId: string }>(r)));
    const byId = new Map(decodedEvents.map((e) => [e.eventId, e]));
    const outcomes = await Promise.all(mine(views).map((r) => h.decode<{ eventId: string; taskId: string; outcome: string; reason: string | null; sourcePartition: number; sourceOffset: number }>(r)));
    return outcomes
      .filter((o) => o.taskId === taskId)
      .sort((a, b) => a.sourcePartition - b.sourcePartition || a.sourceOffset - b.sourceOffset)
      .map((o) => ({
        eventId: o.eventId,
        type: byId.get(o.eventId)!.type,
        actor: byId.get(o.eventId)!.actor,
        correlationId: byId.get(o.eventId)!.correlationId,
        outcome: o.outcome,
        reason: o.reason,
        position: { partition: o.sourcePartition, offset: Number(o.sourceOffset) },
      }));
  }

  const comparable = (e: Entry) => ({ eventId: e.eventId, type: e.type, actor: e.actor, correlationId: e.correlationId, outcome: e.outcome, reason: e.reason, position: e.position });

  it('equals what the log holds for the task after a mixed workload with rejected writes, outcomes included', async () => {
    const created = await h.request<TaskResource>('POST', '/v1/tasks', { user, body: { title: 'quarterly report' }, headers: { 'x-correlation-id': 'corr-create' } });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    const other = await h.request<TaskResource>('POST', '/v1/tasks', { user, body: { title: 'unrelated' } });

    // Two PATCHes with the same If-Match, both checked by the gateway before either is applied:
    // the first in the log applies, the view rejects the second.
    let release!: () => void;
    held = new Promise((resolve) => (release = resolve));
    for (const side of ['left', 'right']) {
      const patch = await h.request('PATCH', `/v1/tasks/${id}`, {
        user,
        headers: { 'if-match': '"1"', 'x-correlation-id': `corr-${side}`, prefer: 'respond-async' },
        body: { title: `report (${side})` },
      });
      assert.equal(patch.status, 202, patch.text);
    }
    held = null;
    release();
    const [winner, loser] = ['left', 'right'];
    assert.equal((await h.request('POST', `/v1/tasks/${id}/complete`, { user })).status, 200);
    assert.equal((await h.request('POST', `/v1/tasks/${id}/complete`, { user })).status, 409, 'INVALID_TRANSITION, decided by the view');
    const chat = await h.request<{ reply: string }>('POST', '/v1/chat', { user, body: { message: 'reopen the report' } });
    assert.match(chat.body.reply, /reopened/);
    await h.request('PATCH', `/v1/tasks/${other.body.id}`, { user, body: { title: 'still unrelated' } });
    // A change racing a delete: the delete is not awaited, the complete reaches the view after it.
    const del = await h.request('DELETE', `/v1/tasks/${id}`, { user, headers: { prefer: 'respond-async' } });
    assert.equal(del.status, 202);
    const late = await h.request('POST', `/v1/tasks/${id}/complete`, { user, headers: { 'if-match': '"9"' } });
    assert.equal(late.status, 404);

    const log = await fromTheLog(id);
    assert.ok(log.length >= 7, JSON.stringify(log));
    const items = await waitFor(
      async () => {
        const res = await history(id);
        return res.status === 200 && res.body.items.length === log.length && res.body.items.every((e) => e.outcome !== 'pending' && e.actor !== null) ? res.body.items : null;
      },
      { timeoutMs: 60_000, what: 'the history to hold every event of the task with its outcome' },
    );
    assert.deepEqual(items.map(comparable), log);

    // the concurrent update: both requests are there, one applied, one rejected and why
    const racers = items.filter((e) => e.type === 'TaskUpdated');
    assert.deepEqual(
      racers.map((e) => [e.correlationId, e.outcome, e.reason, e.expectedVersion]).sort(),
      [
        [`corr-${loser}`, 'rejected', 'VERSION_MISMATCH', 1],
        [`corr-${winner}`, 'applied', null, 1],
      ].sort(),
    );
    assert.deepEqual(racers.find((e) => e.outcome === 'applied')!.changes, [{ field: 'title', before: 'quarterly report', after: `report (${winner})` }]);
    assert.deepEqual(
      items.map((e) => `${e.type}:${e.outcome}${e.reason ? `:${e.reason}` : ''}`).filter((s) => !s.startsWith('TaskUpdated')),
      ['TaskCreated:applied', 'TaskCompleted:applied', 'TaskCompleted:rejected:INVALID_TRANSITION', 'TaskReopened:applied', 'TaskDeleted:applied', ...(log.length === 8 ? ['TaskCompleted:rejected:DELETED'] : [])],
    );
    assert.equal(items[0]!.correlationId, 'corr-create');
    assert.ok(items.every((e) => e.actor === `user:${user}`));
    assert.equal(items.find((e) => e.type === 'TaskDeleted')!.version, 5, 'created 1, updated 2, completed 3, reopened 4, deleted 5');

    // paging: two at a time gives the same entries in the same order
    assert.deepEqual(await all(id, 2), items);
  });

  it('answers 404 for a task that is not the caller’s, or does not exist', async () => {
    const mine = await h.request<TaskResource>('POST', '/v1/tasks', { user, body: { title: 'private' } });
    assert.equal((await history(mine.body.id, '', uniqueName('intruder'))).status, 404);
    assert.equal((await history('00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await history(mine.body.id, '?cursor=%%%')).status, 400);
    assert.equal((await history(mine.body.id, '?limit=0')).status, 400);
  });
});
