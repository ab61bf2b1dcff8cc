// Property: whatever text the gateway accepts, the view, the task-views record the devices get,
// the read API and the audit store that Kafka Connect fills all hold unchanged; whatever it
// refuses is a 400 VALIDATION_FAILED, never a 5xx, never a stalled write answered 202.
// fast-check draws titles, descriptions and tags from all of Unicode, with NULs, lone
// surrogates, control characters, combining marks and lengths around the limits mixed in.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MongoClient } from 'mongodb';
import { normalizeTags } from '../../domain/task-rules.js';
import { ConnectClient, type ConnectorSpec } from '../../connectors/connect-client.js';
import { stackEnv } from '../../test/support/stack-env.js';
import { waitFor } from '../../test/support/wait-for.js';
import { GatewayHarness } from '../../test/support/harness.js';
import { auditSinkFor } from '../../test/support/audit-sink.js';

const tricky = fc.constantFrom('\u0000', '\u0007', '\t', '\n', '\r\n', '\u007f', '\u0085', '\u2028', '\ud800', '\udfff', '😀', 'e\u0301', ' ', '$', '.', '"', '\\', '<b>', '\ufeff', '\uffff');
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.array(fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 10 }).map((parts) => parts.join('')),
  fc.integer({ min: 495, max: 505 }).map((n) => '😀'.repeat(n)),
);

interface Accepted {
  id: string;
  title: string;
  description: string | null;
  tags: string[];
}

describe('gateway: text round-trips unchanged through every store, or is refused with a 400 (property, real stack)', function () {
  this.timeout(180_000);
  const h = new GatewayHarness();
  const connect = new ConnectClient(stackEnv.connectUrl);
  let connector: ConnectorSpec;
  let mongo: MongoClient;
  const auditCollection = `audit_${h.databaseName}`;

  before(async () => {
    await h.setup();
    await h.startViewProcessors();
    mongo = await new MongoClient(stackEnv.mongoUrl).connect();
    connector = auditSinkFor(h.prefix, auditCollection);
    await connect.apply(connector);
  });
  after(async () => {
    await connect.remove(connector.name).catch(() => undefined);
    await mongo?.db('todo').collection(auditCollection).drop().catch(() => undefined);
    await mongo?.close();
    await h.teardown();
  });

  it('accepted text is the same everywhere; refused text is a 400', async () => {
    const accepted: Accepted[] = [];
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(text, fc.option(text, { nil: null }), text, async (title, description, tag) => {
        const res = await h.request<Accepted & { error?: { code: string } }>('POST', '/v1/tasks', { user: 'prop-user', body: { title, description, tags: [tag] } });
        if (res.status === 201) {
          assert.equal(res.body.title, title.trim());
          assert.equal(res.body.description, description);
          assert.deepEqual(res.body.tags, normalizeTags([tag]));
          const read = await h.request<Accepted>('GET', `/v1/tasks/${res.body.id}`, { user: 'prop-user' });
          assert.deepEqual([read.body.title, read.body.description, read.body.tags], [res.body.title, description, res.body.tags]);
          accepted.push(res.body);
          return;
        }
        assert.equal(res.status, 400, `neither stored nor refused: ${res.status} ${res.text}`);
        assert.equal(res.body.error?.code, 'VALIDATION_FAILED');
        refused++;
      }),
      { numRuns: 60, seed: 20261201 },
    );
    assert.ok(accepted.length > 5 && refused > 5, `both sides exercised: ${accepted.length} accepted, ${refused} refused`);

    // What devices are pushed: the task after each event, on task-views.
    const ids = new Set(accepted.map((a) => a.id));
    const pushed = new Map<string, { title: string; description: string | null; tags: string[] }>();
    for (const record of await h.records('task-views', (rs) => rs.length >= accepted.length)) {
      const change = await h.decode<{ taskId: string; view: { fields: { title: string; description: string | null; tags: string[] } } | null }>(record);
      if (ids.has(change.taskId) && change.view) pushed.set(change.taskId, change.view.fields);
    }
    for (const task of accepted) {
      const fields = pushed.get(task.id);
      assert.deepEqual([fields?.title, fields?.description, fields?.tags], [task.title, task.description, task.tags], `task-views of ${task.id}`);
    }

    // The audit store, filled by the real connector from task-events, holds the same text.
    const audit = mongo.db('todo').collection<{ taskId: string; payload: Record<string, { task: { title: string; description: string | null; tags: string[] } }> }>(auditCollection);
    await waitFor(async () => (await audit.countDocuments({ taskId: { $in: accepted.map((a) => a.id) } })) === accepted.length, {
      timeoutMs: 90_000,
      what: `${accepted.length} created tasks in the audit store`,
    });
    for (const task of accepted) {
      const doc = await audit.findOne({ taskId: task.id });
      const created = Object.values(doc!.payload)[0]!.task;
      assert.deepEqual([created.title, created.description, created.tags], [task.title, task.description, task.tags], `audit of ${task.id}`);
    }
    process.stdout.write(`      (${accepted.length} accepted and identical in view, API and audit store; ${refused} refused with 400)\n`);
  });
});
