// What the API fuzzer found answered 4xx to requests /openapi.json allowed, each now a refusal
// the document states (gateway/refusals.ts, `x-refusals`) or a constraint its schema carries:
// every example goes through the validation the route runs and is answered with the documented
// status and code, never a 5xx; and the document says so.
import assert from 'node:assert/strict';
import { createApp } from './app.js';
import type { GatewayContext } from './http/state.js';
import { idempotency, type IdempotencyStore } from './idempotency.js';
import { parseIfMatch } from './routes/common.js';
import { taskListRoute } from './routes/task-list.js';
import { parseTaskListQuery, encodeCursor } from './task-query.js';
import { fakeDeps } from './test/fakes.js';
import { CreateTaskBody, parseBody, SettingsBody, taskFieldsFromCreate } from './validation.js';
import { HttpError } from '../platform/http-errors.js';
import { REFUSALS, IDEMPOTENCY_KEY_REUSED, type Refusal } from './refusals.js';

type Operation = { operationId: string; parameters: { name: string; in: string; schema: { pattern?: string } }[]; responses: Record<string, { description: string }>; 'x-refusals'?: Refusal[] };
type Doc = { paths: Record<string, Record<string, Operation>> };

// Every route, as /openapi.json serves it (gateway/openapi-print.ts does the same for the linter).
const never = {} as never;
const app = createApp(fakeDeps({ notifications: never, extraRoutes: [taskListRoute({ tasks: never })] }));
const doc = (() => {
  const ctx = { body: undefined as unknown };
  void app.routes.find((r) => r.path === '/openapi.json')!.handler(ctx as never, () => Promise.resolve());
  return ctx.body as Doc;
})();
const operation = (id: string): Operation => {
  for (const ops of Object.values(doc.paths)) for (const op of Object.values(ops)) if (op.operationId === id) return op;
  assert.fail(`no operation ${id}`);
};
const route = (id: string) => app.routes.find((r) => r.operationId === id)!;

/** The answer an HTTP error becomes: status, code, the paths its details name. */
async function refusalOf(call: () => unknown): Promise<{ status: number; code: string; paths: string[] }> {
  try {
    await call();
  } catch (err) {
    assert.ok(err instanceof HttpError, `expected an HTTP error, got ${String(err)}`);
    const details = (err.details as { path?: unknown }[] | null) ?? [];
    return { status: err.status, code: err.code, paths: details.map((d) => String(d.path)) };
  }
  assert.fail('expected a refusal');
}

/** The refusal matches one the operation documents, as test/fuzz/hooks.py matches it. */
function documented(id: string, got: { status: number; code: string; paths: string[] }): void {
  const matching = (operation(id)['x-refusals'] ?? []).filter((r) => r.status === got.status && r.code === got.code);
  const fields = new Set(matching.map((r) => r.path));
  assert.ok(
    matching.some((r) => r.path === undefined) || (got.paths.length > 0 && got.paths.every((p) => fields.has(p))),
    `${id}: ${JSON.stringify(got)} is not among its documented refusals ${JSON.stringify(matching)}`,
  );
  const description = operation(id).responses[String(got.status)]?.description ?? '';
  assert.match(description, new RegExp(`\\(${got.code}\\)`), `${id}: the ${got.status} response does not say so`);
}

const context = (over: Record<string, unknown>): GatewayContext => ({ state: { userId: 'alice', correlationId: 'c1' }, params: {}, query: {}, request: {}, ...over }) as unknown as GatewayContext;

describe('gateway: refusals the schema cannot state are documented, and answered so', () => {
  it('documents every refusal on its operation, and the Idempotency-Key’s on every operation that takes one', () => {
    for (const [id, refusals] of Object.entries(REFUSALS)) for (const r of refusals) assert.ok(operation(id)['x-refusals']?.some((d) => d.code === r.code && d.status === r.status));
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        const takesKey = op.parameters.some((p) => p.name === 'Idempotency-Key');
        assert.equal(op['x-refusals']?.some((r) => r.code === IDEMPOTENCY_KEY_REUSED.code) ?? false, takesKey, op.operationId);
      }
    }
  });

  it('given a forged or garbled list cursor that matches the documented pattern, then 400 on cursor', async () => {
    const pattern = new RegExp(operation('listTasks').parameters.find((p) => p.name === 'cursor')!.schema.pattern!);
    const forged = Buffer.from(JSON.stringify({ v: 1, s: 'createdAt', k: ['x'] })).toString('base64url');
    const otherSort = encodeCursor('priority', [0, 1, 'a'] as never);
    for (const cursor of ['garbled', forged, otherSort]) {
      assert.match(cursor, pattern);
      documented('listTasks', await refusalOf(() => parseTaskListQuery({ cursor })));
    }
  });

  it('given list parameters that each match the document but break a rule across them or after normalising, then 400 on that parameter', async () => {
    const params = operation('listTasks').parameters;
    const pattern = (name: string) => {
      const schema = params.find((p) => p.name === name)!.schema as { pattern?: string; anyOf?: { pattern?: string }[] };
      return new RegExp(schema.pattern ?? schema.anyOf!.find((s) => s.pattern)!.pattern!);
    };
    const cases: [Record<string, string>, string][] = [
      [{ dueFrom: '2026-05-02T00:00:00Z', dueTo: '2026-05-01T00:00:00Z' }, 'dueFrom'],
      [{ completedFrom: '2026-05-02T00:00:00Z', completedTo: '2026-05-01T00:00:00Z' }, 'completedFrom'],
      [{ q: 'a b c d e f g h i' }, 'q'],
      [{ tag: Array.from({ length: 51 }, (_, i) => `t${i}`).join(',') }, 'tag'],
      [{ tag: '\u0130'.repeat(64) }, 'tag'],
    ];
    for (const [query, path] of cases) {
      for (const [name, value] of Object.entries(query)) assert.match(value, pattern(name), name);
      const got = await refusalOf(() => parseTaskListQuery(query));
      assert.deepEqual(got.paths, [path]);
      documented('listTasks', got);
    }
  });

  it('given a forged or garbled history cursor, then 400 on cursor', async () => {
    const handler = route('taskHistory').handler;
    for (const cursor of ['garbled', Buffer.from('{"p":-1,"o":0}').toString('base64url')]) {
      const ctx = context({ params: { id: '6ac737ab-568b-445f-82c6-ab2f5762be0f' }, query: { cursor } });
      documented('taskHistory', await refusalOf(() => handler(ctx, () => Promise.resolve())));
    }
  });

  it('given quiet hours whose start equals their end, then 400 on quietHours', async () => {
    documented('putSettings', await refusalOf(() => parseBody(SettingsBody, { quietHours: { start: '00:00', end: '00:00' } })));
  });

  it('given a chat message of white space only (or empty), then 400 MESSAGE_EMPTY', async () => {
    const handler = route('chat').handler;
    for (const message of ['', '   ', '\u00a0\t\u3000']) {
      documented('chat', await refusalOf(() => handler(context({ request: { body: { message } } }), () => Promise.resolve())));
    }
    const control = await refusalOf(() => handler(context({ request: { body: { message: 'add \u0007 milk' } } }), () => Promise.resolve()));
    assert.equal(control.code, 'INVALID_MESSAGE');
    documented('chat', control);
  });

  it('given a chat request without a body, which the document says is required, then 400 VALIDATION_FAILED', async () => {
    const chat = operation('chat') as Operation & { requestBody?: { required?: boolean } };
    assert.equal(chat.requestBody?.required, true);
    const got = await refusalOf(() => route('chat').handler(context({ request: {} }), () => Promise.resolve()));
    assert.deepEqual([got.status, got.code], [400, 'VALIDATION_FAILED']);
    assert.ok(chat.responses['400']);
  });

  it('given an Idempotency-Key already used for another request, then 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const store = { leaseMs: 5000, claim: () => Promise.resolve({ kind: 'mismatch' }) } as unknown as IdempotencyStore;
    const ctx = context({ method: 'DELETE', path: '/v1/tasks/t1', headers: { 'idempotency-key': 'k1' }, get: (h: string) => (h === 'idempotency-key' ? 'k1' : '') });
    for (const id of ['deleteTask', 'chat']) documented(id, await refusalOf(() => idempotency(store)(ctx, () => Promise.resolve())));
  });

  it('given header values outside their documented patterns on DELETE and chat, then the documented 400s', async () => {
    const ifMatch = new RegExp(operation('deleteTask').parameters.find((p) => p.name === 'If-Match')!.schema.pattern!);
    for (const bad of ['abc', '1234567890123456', 'W/x', '"3" "4"']) {
      // Outside the document's pattern, and refused by the parser the routes run.
      assert.equal(ifMatch.test(bad), false, bad);
      const got = await refusalOf(() => parseIfMatch(bad));
      assert.deepEqual([got.status, got.code], [400, 'INVALID_IF_MATCH']);
      assert.ok(operation('deleteTask').responses['400']);
    }
    const keyPattern = new RegExp(operation('chat').parameters.find((p) => p.name === 'Idempotency-Key')!.schema.pattern!);
    const store = { claim: () => assert.fail('an invalid key is refused before the store') } as unknown as IdempotencyStore;
    for (const key of ['', 'ä', 'with space', 'x'.repeat(256)]) {
      assert.equal(keyPattern.test(key), false, key);
      const ctx = context({ method: 'POST', path: '/v1/chat', headers: { 'idempotency-key': key }, get: (h: string) => (h === 'idempotency-key' ? key : '') });
      const got = await refusalOf(() => idempotency(store)(ctx, () => Promise.resolve()));
      assert.deepEqual([got.status, got.code], [400, 'INVALID_IDEMPOTENCY_KEY']);
      assert.ok(operation('chat').responses['400'] && operation('deleteTask').responses['400']);
    }
  });

  it('given a reminder before the due time on a task without dueAt, then 400 on reminders', async () => {
    const got = await refusalOf(() => taskFieldsFromCreate(parseBody(CreateTaskBody, { title: 't', dueAt: null, reminders: [{ before: 'PT15M' }] })));
    assert.deepEqual([got.status, got.code, got.paths], [400, 'VALIDATION_FAILED', ['reminders']]);
    documented('createTask', got);
    documented('updateTask', got);
  });

  it('given RRULEs that parse but mean nothing, then 400 on recurrence.rrule', async () => {
    for (const rrule of ['FREQ=DAILY;COUNT=0', 'FREQ=DAILY;INTERVAL=0', 'FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=31', 'FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2']) {
      const got = await refusalOf(() => parseBody(CreateTaskBody, { title: 't', dueAt: '2026-01-05T09:00:00Z', recurrence: { rrule, mode: 'on_schedule' } }));
      assert.deepEqual([got.status, got.code, got.paths], [400, 'VALIDATION_FAILED', ['recurrence.rrule']], rrule);
      documented('createTask', got);
      documented('updateTask', got);
    }
  });
});
