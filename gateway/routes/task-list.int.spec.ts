// GET /v1/tasks against the real MongoDB-wire database: a generated data set (three users, the
// caller with 600 tasks, some deleted) is inserted straight into a collection of the task view's
// shape, and every search, filter, combination and sort is walked page by page through HTTP and
// compared with a TEST ORACLE: the same rules written again in plain TypeScript over the
// generated array, without the planner and without the database.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Server } from 'node:http';
import Koa from 'koa';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { stackEnv, uniqueName } from '../../test/support/stack-env.js';
import { errorHandler } from '../http/error-handler.js';
import type { GatewayState } from '../http/state.js';
import { createLogger } from '../../platform/logger.js';
import { SORTS, type SortName } from '../task-query.js';
import { DELETED_WORD, generateTasks, OTHER_USERS_WORD, T0, type TaskDocument } from './task-list.fixtures.js';
import { TaskPageSchema, taskListOpenApi, taskListOpenApiDocument, taskListRoutes, type TaskPage } from './task-list.js';
import { TASK_RESOURCE_KEYS } from '../test/task-resource-keys.js';

const DAY = 86_400_000;

/** A list request, in terms both the URL and the oracle understand. */
interface Case {
  q?: string;
  status?: string[];
  priority?: string[];
  tags?: string[];
  /** true: send tags as one comma list instead of repeated parameters. */
  tagsAsList?: boolean;
  dueFrom?: number;
  dueTo?: number;
  completedFrom?: number;
  completedTo?: number;
  sort?: SortName;
}

// ------------------------------------------------------------------------------------------
// The oracle: the documented semantics, independently of gateway/task-query.ts.

function matches(doc: TaskDocument, userId: string, c: Case): boolean {
  if (doc.userId !== userId || doc.status === 'deleted') return false;
  if (c.status && !c.status.includes(doc.status)) return false;
  if (c.priority && !c.priority.includes(doc.priority)) return false;
  if (c.tags && !c.tags.every((tag) => doc.tags.includes(tag))) return false;
  const words = (c.q ?? '').toLowerCase().split(' ').filter((w) => w !== '');
  const title = doc.title.toLowerCase();
  const description = (doc.description ?? '').toLowerCase();
  if (!words.every((w) => title.includes(w) || description.includes(w))) return false;
  const inRange = (value: number | null, from?: number, to?: number) =>
    (from === undefined && to === undefined) || (value !== null && (from === undefined || value >= from) && (to === undefined || value < to));
  return inRange(doc.dueAt, c.dueFrom, c.dueTo) && inRange(doc.completedAt, c.completedFrom, c.completedTo);
}

const byNumber = (a: number, b: number) => a - b;
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compare(sort: SortName, a: TaskDocument, b: TaskDocument): number {
  const newestFirst = byNumber(b.createdAt, a.createdAt) || byString(b._id, a._id);
  switch (sort) {
    case 'createdAt':
      return byNumber(a.createdAt, b.createdAt) || byString(a._id, b._id);
    case '-createdAt':
      return byNumber(b.createdAt, a.createdAt) || byString(b._id, a._id);
    case 'priority':
      return byNumber(a.priorityRank, b.priorityRank) || newestFirst;
    case '-priority':
      return byNumber(b.priorityRank, a.priorityRank) || -newestFirst;
    case 'dueAt':
    case '-dueAt': {
      // No due date: last, in both directions.
      if ((a.dueAt === null) !== (b.dueAt === null)) return a.dueAt === null ? 1 : -1;
      const due = a.dueAt === null || b.dueAt === null ? 0 : byNumber(a.dueAt, b.dueAt);
      return sort === 'dueAt' ? due || newestFirst : -due || -newestFirst;
    }
  }
}

function oracle(docs: TaskDocument[], userId: string, c: Case): string[] {
  const sort = c.sort ?? '-createdAt';
  return docs
    .filter((d) => matches(d, userId, c))
    .sort((a, b) => compare(sort, a, b))
    .map((d) => d._id);
}

// ------------------------------------------------------------------------------------------

function queryString(c: Case, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (c.q !== undefined) params.set('q', c.q);
  if (c.status) params.set('status', c.status.join(','));
  if (c.priority) params.set('priority', c.priority.join(','));
  if (c.tags && c.tagsAsList) params.set('tag', c.tags.join(','));
  else for (const tag of c.tags ?? []) params.append('tag', tag);
  const iso = (ms: number) => new Date(ms).toISOString();
  if (c.dueFrom !== undefined) params.set('dueFrom', iso(c.dueFrom));
  if (c.dueTo !== undefined) params.set('dueTo', iso(c.dueTo));
  if (c.completedFrom !== undefined) params.set('completedFrom', iso(c.completedFrom));
  if (c.completedTo !== undefined) params.set('completedTo', iso(c.completedTo));
  if (c.sort) params.set('sort', c.sort);
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return params.toString();
}

describe('gateway: GET /v1/tasks on the real database', function () {
  this.timeout(120_000);

  const caller = uniqueName('u-main');
  const otherA = uniqueName('u-other-a');
  const otherB = uniqueName('u-other-b');
  const docs = [
    ...generateTasks({ userId: caller, count: 600, seed: 20260101 }),
    ...generateTasks({ userId: otherA, count: 60, seed: 7, otherUser: true }),
    ...generateTasks({ userId: otherB, count: 60, seed: 11, otherUser: true }),
  ];
  const byId = new Map(docs.map((d) => [d._id, d]));
  const callerIds = new Set(docs.filter((d) => d.userId === caller).map((d) => d._id));

  let client: MongoClient;
  let tasks: Collection<Document>;
  let server: Server;
  let base: string;

  before(async () => {
    client = await MongoClient.connect(stackEnv.mongoUrl);
    tasks = client.db().collection(uniqueName('tasks-list'));
    await tasks.insertMany(docs as unknown as Document[]);

    const app = new Koa<GatewayState>();
    const log = createLogger('silent');
    // Stands in for the gateway's correlation and auth middleware: the test names the caller.
    app.use(async (ctx, next) => {
      ctx.state.log = log;
      ctx.state.correlationId = 'test';
      const user = ctx.get('x-test-user');
      if (user) ctx.state.userId = user;
      await next();
    });
    app.use(errorHandler());
    // The resolver form, as the gateway passes the live view after a rebuild swap.
    app.use(taskListRoutes({ tasks: () => Promise.resolve(tasks) }).routes());
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await tasks?.drop().catch(() => undefined);
    await client?.close();
  });

  async function get(query: string, user = caller): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${base}/v1/tasks?${query}`, { headers: { 'x-test-user': user } });
    return { status: res.status, body: await res.json() };
  }

  async function page(query: string, user = caller): Promise<TaskPage> {
    const { status, body } = await get(query, user);
    assert.equal(status, 200, `GET ?${query} answered ${status}: ${JSON.stringify(body)}`);
    return TaskPageSchema.parse(body);
  }

  /** Every page of a query, checked page by page; the ids in the order served. */
  async function walk(c: Case, limit?: number, user = caller): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; ; pages++) {
      assert.ok(pages <= 700, 'pagination does not end');
      const extra: Record<string, string> = {};
      if (limit !== undefined) extra.limit = String(limit);
      if (cursor) extra.cursor = cursor;
      const result = await page(queryString(c, extra), user);
      const size = limit ?? 50;
      assert.ok(result.items.length <= size, 'a page holds at most limit items');
      if (result.nextCursor !== null) assert.equal(result.items.length, size, 'only the last page is short');
      for (const item of result.items) {
        assert.deepEqual(Object.keys(item).sort(), TASK_RESOURCE_KEYS, 'only the API fields, no storage fields');
        const doc = byId.get(item.id);
        assert.ok(doc && doc.userId === user, `task ${item.id} is not the caller's`);
        assert.equal(item.title, doc.title);
        assert.equal(item.status, doc.status);
        assert.deepEqual(item.tags, doc.tags);
        assert.equal(item.dueAt, doc.dueAt === null ? null : new Date(doc.dueAt).toISOString());
        assert.equal(item.completedAt, doc.completedAt === null ? null : new Date(doc.completedAt).toISOString());
        assert.equal(item.createdAt, new Date(doc.createdAt).toISOString());
        ids.push(item.id);
      }
      if (result.nextCursor === null) return ids;
      cursor = result.nextCursor;
    }
  }

  async function check(c: Case, limit?: number): Promise<string[]> {
    const expected = oracle(docs, caller, c);
    const served = await walk(c, limit);
    assert.equal(new Set(served).size, served.length, 'no task twice');
    assert.deepEqual(served, expected, `?${queryString(c)} limit=${limit ?? 'default'}`);
    return expected;
  }

  it('the OpenAPI path item names every parameter and the page schema', () => {
    const get = taskListOpenApi.get as { parameters: { name: string; in: string }[]; responses: Record<string, unknown> };
    assert.deepEqual(
      get.parameters.map((p) => `${p.in}:${p.name}`),
      ['q', 'status', 'priority', 'tag', 'dueFrom', 'dueTo', 'completedFrom', 'completedTo', 'sort', 'limit', 'cursor'].map((n) => `query:${n}`),
    );
    // The page is a named schema: the response refers to it, and it is in the document.
    assert.match(JSON.stringify(get.responses['200']), /"#\/components\/schemas\/TaskPage"/);
    assert.match(JSON.stringify(taskListOpenApiDocument.components.schemas.TaskPage), /nextCursor/);
    assert.ok(get.responses['400']);
  });

  it('the data set exercises what it should', () => {
    const mine = docs.filter((d) => d.userId === caller);
    assert.ok(mine.some((d) => d.status === 'deleted') && mine.some((d) => d.status === 'completed'));
    assert.ok(mine.filter((d) => d.dueAt === null && d.status !== 'deleted').length > 50);
    assert.ok(mine.some((d) => d.title.includes(DELETED_WORD)));
    const createdTies = mine.length - new Set(mine.map((d) => d.createdAt)).size;
    assert.ok(createdTies > 100, `expected many createdAt ties, got ${createdTies}`);
  });

  describe('sorts, walked page by page to the end', () => {
    for (const sort of SORTS) {
      it(`sort=${sort}`, async () => {
        const ids = await check({ sort }, 37);
        assert.equal(ids.length, docs.filter((d) => d.userId === caller && d.status !== 'deleted').length);
      });
    }

    it('defaults to -createdAt, 50 a page', async () => {
      const first = await page('');
      assert.equal(first.items.length, 50);
      assert.deepEqual(
        first.items.map((i) => i.id),
        oracle(docs, caller, {}).slice(0, 50),
      );
      await check({});
    });

    it('dueAt: a page boundary exactly between the dated and the undated tasks', async () => {
      for (const sort of ['dueAt', '-dueAt'] as const) {
        const c: Case = { sort, status: ['pending'], priority: ['high'] };
        const dated = oracle(docs, caller, c).filter((id) => byId.get(id)!.dueAt !== null).length;
        assert.ok(dated > 2 && dated < 200 && dated < oracle(docs, caller, c).length);
        const first = await page(queryString(c, { limit: String(dated) }));
        assert.ok(first.items.every((i) => i.dueAt !== null));
        assert.notEqual(first.nextCursor, null);
        await check(c, dated);
        await check(c, dated - 1);
        await check(c, dated + 1);
      }
    });

    it('pages of one item, across ties', async () => {
      await check({ sort: 'dueAt', priority: ['high'], tags: ['work'], status: ['pending'] }, 1);
      await check({ sort: '-priority', q: 'report', tags: ['home'] }, 2);
    });

    it('the largest page, and a last page that is exactly full', async () => {
      await check({ sort: 'priority' }, 200);
      const total = oracle(docs, caller, { status: ['completed'] }).length;
      const only = await page(queryString({ status: ['completed'] }, { limit: String(Math.min(total, 200)) }));
      assert.ok(total <= 200, 'the completed tasks fit one page');
      assert.equal(only.items.length, total);
      assert.equal(only.nextCursor, null);
    });
  });

  describe('keyword search', () => {
    const searches = ['report', 'REPORT budget', 'c++', 'a.b', '(urgent)', '50%', '[draft]', 'CAFÉ', 'café', 'école', 'cafe', 'review  call deploy'];
    for (const q of searches) {
      it(`q=${q}`, async () => {
        const ids = await check({ q, sort: 'createdAt' }, 40);
        assert.ok(ids.length > 0, 'the data set holds matches');
      });
    }

    it('finds nothing for a word only other users or only deleted tasks use', async () => {
      assert.deepEqual(await walk({ q: OTHER_USERS_WORD }), []);
      assert.deepEqual(await walk({ q: DELETED_WORD }), []);
      assert.ok(oracle(docs, otherA, { q: OTHER_USERS_WORD }).length > 0);
      assert.deepEqual(await walk({ q: OTHER_USERS_WORD }, undefined, otherA), oracle(docs, otherA, { q: OTHER_USERS_WORD }));
    });
  });

  describe('filters', () => {
    const cases: [string, Case][] = [
      ['status=pending', { status: ['pending'] }],
      ['status=completed', { status: ['completed'] }],
      ['status=pending,completed', { status: ['pending', 'completed'] }],
      ['priority=high', { priority: ['high'] }],
      ['priority=high,low', { priority: ['high', 'low'] }],
      ['one tag', { tags: ['work'] }],
      ['two tags, repeated', { tags: ['work', 'home'] }],
      ['two tags, comma list', { tags: ['home', 'errand'], tagsAsList: true }],
      ['dueFrom', { dueFrom: T0 + 20 * DAY }],
      ['dueTo', { dueTo: T0 + 5 * DAY }],
      ['due range (from inclusive, to exclusive, on tied instants)', { dueFrom: T0 + 10 * DAY, dueTo: T0 + 12 * DAY }],
      ['completedFrom', { completedFrom: T0 + 10 * DAY }],
      ['completedTo', { completedTo: T0 + 5 * DAY }],
      ['completed range', { completedFrom: T0 + 3 * DAY, completedTo: T0 + 9 * DAY }],
    ];
    for (const [name, c] of cases) {
      it(name, async () => {
        const ids = await check({ ...c, sort: '-dueAt' }, 45);
        assert.ok(ids.length > 0, 'the data set holds matches');
      });
    }

    it('a range bound equal to a stored instant is inclusive at from and exclusive at to', async () => {
      const due = docs.find((d) => d.userId === caller && d.status === 'pending' && d.dueAt !== null)!.dueAt!;
      const atFrom = await walk({ dueFrom: due, dueTo: due + 1 });
      assert.ok(atFrom.length > 0 && atFrom.every((id) => byId.get(id)!.dueAt === due));
      assert.deepEqual(await walk({ dueFrom: due - 1, dueTo: due }), oracle(docs, caller, { dueFrom: due - 1, dueTo: due }));
      assert.ok(!(await walk({ dueTo: due })).some((id) => byId.get(id)!.dueAt === due));
    });
  });

  describe('combined filters', () => {
    const cases: Case[] = [
      { q: 'report', status: ['pending'], priority: ['high', 'medium'], tags: ['work'], sort: 'dueAt' },
      { q: 'meeting', tags: ['home'], dueFrom: T0 + 5 * DAY, dueTo: T0 + 25 * DAY, sort: '-priority' },
      { status: ['completed'], priority: ['low'], completedFrom: T0 + 2 * DAY, completedTo: T0 + 15 * DAY, sort: 'createdAt' },
      { q: 'budget review', status: ['pending', 'completed'], sort: 'priority' },
      { tags: ['work', 'finance'], priority: ['high'], dueTo: T0 + 30 * DAY, sort: '-createdAt' },
      { q: 'c++', tags: ['errand'], status: ['pending'], sort: '-dueAt' },
    ];
    for (const c of cases) {
      it(queryString(c), async () => {
        await check(c, 7);
      });
    }

    it('a combination nothing matches answers an empty last page', async () => {
      const empty = await page(queryString({ q: 'dentist garden invoice groceries budget', priority: ['high'], tags: ['work', 'home', 'health'] }));
      assert.deepEqual(empty, { items: [], nextCursor: null });
    });
  });

  describe('isolation', () => {
    it('another user sees only their own tasks, in every sort', async () => {
      for (const sort of SORTS) {
        const served = await walk({ sort }, 25, otherB);
        assert.deepEqual(served, oracle(docs, otherB, { sort }));
        assert.ok(served.every((id) => !callerIds.has(id)));
      }
    });

    it('a cursor taken from another user\'s listing only moves within the caller\'s own tasks', async () => {
      const theirs = await page(queryString({ sort: 'createdAt' }, { limit: '10' }), otherA);
      const mine = await walk({ sort: 'createdAt' }, 200);
      const next = await page(queryString({ sort: 'createdAt' }, { cursor: theirs.nextCursor!, limit: '200' }));
      assert.ok(next.items.every((i) => callerIds.has(i.id)));
      const lastTheirs = byId.get(theirs.items.at(-1)!.id)!;
      assert.deepEqual(
        next.items.map((i) => i.id),
        mine.filter((id) => compare('createdAt', lastTheirs, byId.get(id)!) < 0).slice(0, 200),
      );
    });
  });

  describe('bad parameters answer 400 VALIDATION_FAILED, never 500', () => {
    const forge = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');
    const bad: [string, string][] = [
      ['status=deleted', 'status'],
      ['status=done', 'status'],
      ['priority=urgent', 'priority'],
      ['sort=title', 'sort'],
      ['sort=dueAt&sort=priority', 'sort'],
      ['q=a&q=b', 'q'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=ten', 'limit'],
      ['dueFrom=yesterday', 'dueFrom'],
      ['dueTo=2026-13-01T00:00:00Z', 'dueTo'],
      ['completedFrom=2026-05-01', 'completedFrom'],
      ['dueFrom=2026-05-02T00:00:00Z&dueTo=2026-05-01T00:00:00Z', 'dueFrom'],
      ['tags=work', 'tags'],
      [`tag=${'x'.repeat(65)}`, 'tag'],
      ['q=a+b+c+d+e+f+g+h+i', 'q'],
      ['cursor=%24%7B%7D', 'cursor'],
      ['cursor=Zm9v', 'cursor'],
      [`cursor=${forge({ v: 1, s: '-createdAt', k: [{ $gt: 0 }, 'x'] })}`, 'cursor'],
      [`cursor=${forge({ v: 1, s: '-createdAt', k: [1, { $ne: null }] })}`, 'cursor'],
      [`sort=priority&cursor=${forge({ v: 1, s: 'priority', k: [9, 1, 'x'] })}`, 'cursor'],
    ];
    for (const [query, param] of bad) {
      it(query.length > 60 ? `${query.slice(0, 60)}…` : query, async () => {
        const { status, body } = await get(query);
        assert.equal(status, 400, JSON.stringify(body));
        const error = (body as { error: { code: string; details: { path: string }[] } }).error;
        assert.equal(error.code, 'VALIDATION_FAILED');
        assert.ok(
          error.details.some((d) => d.path === param),
          JSON.stringify(error),
        );
      });
    }

    it('a cursor from another sort', async () => {
      const first = await page('sort=priority&limit=5');
      const { status, body } = await get(`sort=dueAt&cursor=${first.nextCursor}`);
      assert.equal(status, 400);
      assert.match(JSON.stringify(body), /belongs to sort=priority/);
      assert.equal((await get(`sort=priority&cursor=${first.nextCursor}`)).status, 200);
    });
  });
});
