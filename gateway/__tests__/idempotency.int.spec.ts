// Idempotency-Key: a retried write returns the first answer and produces nothing new, also
// after the gateway restarts; a retry during the first request is told to wait (409), and the
// same key on a different request is refused (422).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { uniqueName } from '../../test/support/stack-env.js';
import { waitFor } from '../../test/support/wait-for.js';
import { GatewayHarness } from '../../test/support/harness.js';

describe('gateway: Idempotency-Key', function () {
  this.timeout(120_000);
  // No task-view processor here: a write that waits for the view waits the full 2 s, which
  // keeps the first request in flight long enough to retry during it.
  const h = new GatewayHarness({ RYW_TIMEOUT_MS: '2000' });
  const user = uniqueName('idem');

  before(async () => {
    await h.setup();
  });
  after(() => h.teardown());

  async function eventsOf(sentinelEventId: string): Promise<number> {
    const records = await h.records('task-events', (rs) => rs.some((r) => r.value?.includes(sentinelEventId)));
    return records.filter((r) => r.key?.toString() === user).length;
  }

  it('returns the first answer to a retry, across a restart, and produces one event', async () => {
    const key = randomUUID();
    const write = () =>
      h.request<{ status: string; taskId: string; eventId: string }>('POST', '/v1/tasks', {
        user,
        body: { title: 'pay rent' },
        headers: { 'idempotency-key': key, prefer: 'respond-async' },
      });
    const first = await write();
    assert.equal(first.status, 202, first.text);
    const retry = await write();
    assert.equal(retry.status, 202);
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(retry.headers.get('location'), first.headers.get('location'));

    await h.restart();
    const afterRestart = await write();
    assert.equal(afterRestart.status, 202);
    assert.deepEqual(afterRestart.body, first.body);

    // Another user's identical key is theirs alone.
    const other = await h.request<{ taskId: string }>('POST', '/v1/tasks', {
      user: uniqueName('other'),
      body: { title: 'pay rent' },
      headers: { 'idempotency-key': key, prefer: 'respond-async' },
    });
    assert.equal(other.status, 202);
    assert.notEqual(other.body.taskId, first.body.taskId);

    const sentinel = await h.request<{ eventId: string }>('POST', '/v1/tasks', { user, body: { title: 'sentinel' }, headers: { prefer: 'respond-async' } });
    assert.equal(await eventsOf(sentinel.body.eventId), 2, 'one event for the keyed write (however often sent) and the sentinel');
  });

  it('refuses the same key for a different request with 422', async () => {
    const key = randomUUID();
    const first = await h.request('POST', '/v1/tasks', { user, body: { title: 'a' }, headers: { 'idempotency-key': key, prefer: 'respond-async' } });
    assert.equal(first.status, 202);
    const reused = await h.request<{ error: { code: string } }>('POST', '/v1/tasks', {
      user,
      body: { title: 'b' },
      headers: { 'idempotency-key': key, prefer: 'respond-async' },
    });
    assert.equal(reused.status, 422);
    assert.equal(reused.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('answers 409 IDEMPOTENCY_IN_PROGRESS to a retry while the first request runs, then the first answer', async () => {
    const key = randomUUID();
    const send = () => h.request<Record<string, unknown>>('POST', '/v1/tasks', { user, body: { title: 'slow' }, headers: { 'idempotency-key': key } });
    const first = send();
    await waitFor(() => h.db.collection('idempotency').findOne({ _id: `${user}:${key}` } as never), { what: 'the first request to claim the key' });
    const during = await send();
    assert.equal(during.status, 409, during.text);
    assert.equal((during.body.error as { code: string }).code, 'IDEMPOTENCY_IN_PROGRESS');
    const firstReply = await first;
    assert.equal(firstReply.status, 202, 'no view processor in this suite: accepted after the wait');
    const later = await send();
    assert.equal(later.status, 202);
    assert.deepEqual(later.body, firstReply.body);
  });

  it('keeps a refusal as the first answer too', async () => {
    const key = randomUUID();
    const bad = () => h.request<{ error: { code: string } }>('POST', '/v1/tasks', { user, body: { title: '' }, headers: { 'idempotency-key': key } });
    const first = await bad();
    assert.equal(first.status, 400);
    const again = await bad();
    assert.equal(again.status, 400);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.body, first.body);
  });
});
