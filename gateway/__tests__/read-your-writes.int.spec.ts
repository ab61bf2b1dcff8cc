// Read-your-writes with the real task-view and settings-view processors (run in-process): a
// write answers with the materialized result once the view applied its event, a read right
// after returns the same state, the view's rejections become 409/404, and of two concurrent
// PATCHes with the same If-Match exactly one wins.
import assert from 'node:assert/strict';
import { uniqueName } from '../../test/support/stack-env.js';
import type { TaskResource } from '../../contracts/task-resource.js';
import { GatewayHarness } from '../../test/support/harness.js';
import { TASK_RESOURCE_KEYS } from '../test/task-resource-keys.js';

interface ErrorBody {
  error: { code: string };
}

describe('gateway: read-your-writes (real task-view and settings-view processors)', function () {
  this.timeout(120_000);
  const h = new GatewayHarness();
  const user = uniqueName('ryw');

  before(async () => {
    await h.setup();
    await h.startViewProcessors();
  });
  after(() => h.teardown());

  const read = (id: string) => h.request<TaskResource>('GET', `/v1/tasks/${id}`, { user });
  const create = async (title: string) => {
    const res = await h.request<TaskResource>('POST', '/v1/tasks', { user, body: { title } });
    assert.equal(res.status, 201, res.text);
    return res.body;
  };

  it('answers a create with the materialized task, which a read returns at once', async () => {
    const res = await h.request<TaskResource>('POST', '/v1/tasks', {
      user,
      body: { title: 'Write the report', priority: 'high', tags: ['Work'], dueAt: '2026-06-01T08:00:00Z', timeZone: 'Europe/Paris' },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.get('etag'), '"1"');
    assert.equal(res.headers.get('location'), `/v1/tasks/${res.body.id}`);
    assert.deepEqual(Object.keys(res.body).sort(), TASK_RESOURCE_KEYS, 'the API shape: no owner, no storage fields');
    assert.equal(res.body.title, 'Write the report');
    assert.equal(res.body.status, 'pending');
    assert.equal(res.body.version, 1);
    assert.deepEqual(res.body.tags, ['work']);
    assert.equal(res.body.dueAt, '2026-06-01T08:00:00.000Z');

    const got = await read(res.body.id);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, res.body);
    assert.equal(got.headers.get('etag'), '"1"');
    // (fetch adds Cache-Control: no-cache to conditional requests unless told otherwise)
    const conditional = { 'if-none-match': '"1"', 'cache-control': 'max-age=0' };
    const unchanged = await h.request('GET', `/v1/tasks/${res.body.id}`, { user, headers: conditional });
    assert.equal(unchanged.status, 304);
  });

  it('answers patch, complete, reopen and delete with their result, and reads agree', async () => {
    const task = await create('lifecycle');

    const patched = await h.request<TaskResource>('PATCH', `/v1/tasks/${task.id}`, { user, headers: { 'if-match': '"1"' }, body: { description: 'now with details' } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.version, 2);
    assert.equal(patched.body.description, 'now with details');
    assert.equal(patched.headers.get('etag'), '"2"');
    assert.deepEqual((await read(task.id)).body, patched.body);

    const completed = await h.request<TaskResource>('POST', `/v1/tasks/${task.id}/complete`, { user });
    assert.equal(completed.status, 200, completed.text);
    assert.equal(completed.body.status, 'completed');
    assert.ok(completed.body.completedAt);
    assert.deepEqual((await read(task.id)).body, completed.body);

    const again = await h.request<ErrorBody>('POST', `/v1/tasks/${task.id}/complete`, { user });
    assert.equal(again.status, 409, again.text);
    assert.equal(again.body.error.code, 'INVALID_TRANSITION');

    const reopened = await h.request<TaskResource>('POST', `/v1/tasks/${task.id}/reopen`, { user, headers: { 'if-match': '3' } });
    assert.equal(reopened.status, 200, reopened.text);
    assert.equal(reopened.body.status, 'pending');
    assert.equal(reopened.body.completedAt, null);
    assert.deepEqual((await read(task.id)).body, reopened.body);

    const deleted = await h.request('DELETE', `/v1/tasks/${task.id}`, { user });
    assert.equal(deleted.status, 204, deleted.text);
    assert.equal((await read(task.id)).status, 404);
    assert.equal((await h.request('PATCH', `/v1/tasks/${task.id}`, { user, body: { title: 'ghost' } })).status, 404);
  });

  it('of two concurrent PATCHes with the same If-Match, exactly one wins and the other gets 409', async () => {
    for (let round = 0; round < 3; round++) {
      const task = await create(`race ${round}`);
      const patch = (title: string) =>
        h.request<TaskResource & ErrorBody>('PATCH', `/v1/tasks/${task.id}`, { user, headers: { 'if-match': '"1"' }, body: { title } });
      const results = await Promise.all([patch('left'), patch('right')]);
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 409], results.map((r) => r.text).join(' | '));
      const winner = results.find((r) => r.status === 200)!;
      const loser = results.find((r) => r.status === 409)!;
      assert.equal(loser.body.error.code, 'VERSION_MISMATCH');
      const now = await read(task.id);
      assert.equal(now.body.version, 2);
      assert.equal(now.body.title, winner.body.title, 'the view holds the winner’s change only');
    }
  });

  it('refuses a stale If-Match with 409 before producing anything', async () => {
    const task = await create('stale');
    const first = await h.request<TaskResource>('PATCH', `/v1/tasks/${task.id}`, { user, body: { title: 'v2' } });
    assert.equal(first.status, 200);
    const stale = await h.request<ErrorBody>('DELETE', `/v1/tasks/${task.id}`, { user, headers: { 'if-match': '"1"' } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.code, 'VERSION_MISMATCH');
    assert.equal((await read(task.id)).body.status, 'pending');
  });

  it('answers 404 to a write that races a delete', async () => {
    const task = await create('doomed');
    const del = await h.request('DELETE', `/v1/tasks/${task.id}`, { user, headers: { prefer: 'respond-async' } });
    assert.equal(del.status, 202);
    // Whether the view has applied the delete yet or rejects the completion as DELETED, it is 404.
    const late = await h.request<ErrorBody>('POST', `/v1/tasks/${task.id}/complete`, { user });
    assert.equal(late.status, 404, late.text);
    assert.equal(late.body.error.code, 'NOT_FOUND');
  });

  it('answers 202 at once with Prefer: respond-async, and 202 when the view does not confirm in time', async () => {
    const asyncRes = await h.request<{ status: string; taskId: string; eventId: string }>('POST', '/v1/tasks', {
      user,
      headers: { prefer: 'respond-async' },
      body: { title: 'fire and forget' },
    });
    assert.equal(asyncRes.status, 202);
    assert.equal(asyncRes.headers.get('preference-applied'), 'respond-async');
    assert.equal(asyncRes.body.status, 'accepted');
    assert.match(asyncRes.body.eventId, /^[0-9a-f-]{36}$/);
    // wait=0: no time to wait for the view, so the answer is "accepted", not the task.
    const impatient = await h.request<{ status: string }>('POST', '/v1/tasks', { user, headers: { prefer: 'wait=0' }, body: { title: 'impatient' } });
    assert.equal(impatient.status, 202);
    assert.equal(impatient.body.status, 'accepted');
  });

  it('answers a settings change with the settings as the view holds them, which a read returns', async () => {
    const before = await h.request<Record<string, unknown>>('GET', '/v1/me/settings', { user });
    assert.deepEqual(before.body, { timeZone: 'UTC', quietHours: null, channels: { email: false, push: false } });
    const put = await h.request('PUT', '/v1/me/settings', { user, body: { timeZone: 'Asia/Tokyo', quietHours: { start: '23:00', end: '06:30' } } });
    assert.equal(put.status, 200, put.text);
    const expected = { timeZone: 'Asia/Tokyo', quietHours: { start: '23:00', end: '06:30' }, channels: { email: false, push: false } };
    assert.deepEqual(put.body, expected);
    assert.deepEqual((await h.request('GET', '/v1/me/settings', { user })).body, expected);
    const second = await h.request('PUT', '/v1/me/settings', { user, body: { channels: { email: true }, quietHours: null } });
    assert.equal(second.status, 200, second.text);
    assert.deepEqual((await h.request('GET', '/v1/me/settings', { user })).body, { ...expected, quietHours: null, channels: { email: true, push: false } });
  });
});
