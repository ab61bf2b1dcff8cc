// Read-your-writes comes back on its own: a gateway that could not follow task-views when it
// started (here the topic is not there yet; in make chaos, the leader broker was just killed)
// keeps trying in the background, says it is not ready meanwhile, and answers writes with the
// materialized task once it follows. (Before: it logged one error and answered 202 for the rest
// of its life, which make chaos reported as a fault that never recovered.)
import assert from 'node:assert/strict';
import { contractFor } from '../../contracts/avro/catalog.js';
import { GatewayHarness, registerPrefix } from '../../test/support/harness.js';
import { kafka } from '../../test/support/kafka.js';
import { uniqueName } from '../../test/support/stack-env.js';
import { waitFor } from '../../test/support/wait-for.js';

interface Readiness {
  status: string;
  checks: Record<string, { ok: boolean; error?: string }>;
}

describe('gateway: follows task-views once it can, not only at start (real stack)', function () {
  this.timeout(120_000);
  const h = new GatewayHarness();
  const user = uniqueName('follow');

  before(async () => {
    await h.setup({
      beforeStart: async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          await admin.deleteTopics({ topics: [contractFor('task-views', h.prefix).topic] });
        } finally {
          await admin.disconnect();
        }
      },
    });
  });
  after(() => h.teardown());

  it('is not ready while it cannot follow task-views, and still accepts writes (202)', async () => {
    const ready = await h.request<Readiness>('GET', '/readyz');
    assert.equal(ready.status, 503, ready.text);
    assert.equal(ready.body.checks['view-changes']?.ok, false);
    assert.match(ready.body.checks['view-changes']?.error ?? '', /not following task-views/);
    assert.equal(ready.body.checks.broker?.ok, true, 'only read-your-writes is missing');
    const write = await h.request<{ status: string }>('POST', '/v1/tasks', { user, body: { title: 'before the topic exists' } });
    assert.equal(write.status, 202, write.text);
  });

  it('follows task-views once the topic exists: ready again, and a write answers the materialized task', async () => {
    await registerPrefix(h.prefix); // creates what is missing: task-views
    await waitFor(async () => (await h.request('GET', '/readyz')).status === 200, { timeoutMs: 60_000, what: 'the gateway to follow task-views' });
    await h.startViewProcessors();
    const write = await h.request<{ title: string }>('POST', '/v1/tasks', { user, body: { title: 'after the topic exists' } });
    assert.equal(write.status, 201, write.text);
    assert.equal(write.body.title, 'after the topic exists');
  });
});
