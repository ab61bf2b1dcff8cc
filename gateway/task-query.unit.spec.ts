// The list query's parameters and plans, without a database: what each parameter becomes in
// the MongoDB filter, the sort of every order, the dueAt two-step plan, and the cursor rules.
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ValidationError } from '../platform/http-errors.js';
import {
  afterFilter,
  cursorAfter,
  decodeCursor,
  encodeCursor,
  escapeRegex,
  parseTaskListQuery,
  planTaskList,
  sortKeys,
  SORTS,
  TaskListQuerySchema,
  type RawQuery,
  type TaskListPlan,
} from './task-query.js';

const plan = (raw: RawQuery, userId = 'u1'): TaskListPlan => planTaskList(userId, parseTaskListQuery(raw));

/** Asserts the query is refused with a 400 naming `param`; returns the message. */
function refused(raw: RawQuery, param: string): string {
  try {
    parseTaskListQuery(raw);
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${String(err)}`);
    assert.equal(err.status, 400);
    assert.equal(err.code, 'VALIDATION_FAILED');
    const details = err.details as { path: string; message: string }[];
    assert.ok(
      details.some((d) => d.path === param),
      `expected a detail for ${param}: ${JSON.stringify(details)}`,
    );
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(raw)} to be refused`);
}

describe('gateway: task list query planning', () => {
  describe('defaults and scope', () => {
    it('lists the caller\'s pending and completed tasks, newest first, 50 a page', () => {
      const p = plan({});
      assert.deepEqual(p.filter, { userId: 'u1', status: { $ne: 'deleted' } });
      assert.equal(p.sort, '-createdAt');
      assert.equal(p.limit, 50);
      assert.deepEqual(p.steps, [{ filter: p.filter, sort: { createdAt: -1, _id: -1 } }]);
    });

    it('treats empty parameters as absent, as forms send them', () => {
      const p = plan({ q: '', status: '', priority: '', tag: ['', ''], dueFrom: '', sort: '', limit: '', cursor: '' });
      assert.deepEqual(p.steps, plan({}).steps);
    });

    it('states each parameter as /openapi.json describes it: what its pattern admits the parser takes, and the reverse', () => {
      const schema = z.toJSONSchema(TaskListQuerySchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, { pattern?: string; anyOf?: { pattern?: string }[] }> };
      const patternOf = (name: string) => {
        const p = schema.properties[name]!;
        return new RegExp(p.pattern ?? p.anyOf!.find((s) => s.pattern)!.pattern!);
      };
      const accepts = (query: Record<string, string>) => {
        try {
          parseTaskListQuery(query);
          return true;
        } catch {
          return false;
        }
      };
      const values: Record<string, string[]> = {
        status: ['', 'pending', 'pending,completed', ' completed , ', ',,pending', ',', ' ', 'done', 'Pending', 'pending;completed', 'pending,\tcompleted'],
        priority: ['', 'high', 'low, medium ,high', 'urgent', ',', 'high,,'],
        tag: ['', 'work', ' work , home ', ',work', ',', '  ', 'a\u0007b', ' \n work'],
        cursor: ['', 'abc_-1'],
        sort: ['', 'dueAt', '-priority'],
      };
      for (const [name, list] of Object.entries(values)) {
        for (const value of list) {
          const admitted = name === 'sort' ? value === '' || (SORTS as readonly string[]).includes(value) : patternOf(name).test(value);
          // A cursor that matches is still checked against what this endpoint issues (a refusal).
          if (name !== 'cursor') assert.equal(accepts({ [name]: value }), admitted, `${name}=${JSON.stringify(value)}`);
          else assert.ok(admitted, value);
        }
      }
    });

    it('always scopes to the user, whatever the parameters', () => {
      const p = plan({ q: 'x', status: 'completed', priority: 'high', tag: 'a', sort: 'dueAt' }, 'someone');
      for (const step of p.steps) assert.equal(step.filter.userId, 'someone');
    });
  });

  describe('keyword search', () => {
    it('needs every word, each in the title or the description, case-insensitively', () => {
      const p = plan({ q: '  Buy   MILK buy ' });
      assert.deepEqual(p.steps[0]!.filter.$and, [
        { $or: [{ title: { $regex: 'buy', $options: 'i' } }, { description: { $regex: 'buy', $options: 'i' } }] },
        { $or: [{ title: { $regex: 'milk', $options: 'i' } }, { description: { $regex: 'milk', $options: 'i' } }] },
      ]);
    });

    it('escapes regex metacharacters so a word matches itself literally', () => {
      for (const word of ['c++', 'a.b', '(urgent)', '50%', '[x]', '^$', 'a|b', 'x{2}', 'back\\slash', 'q?', 'a/b-c']) {
        const re = new RegExp(escapeRegex(word), 'i');
        assert.ok(re.test(`say ${word.toUpperCase()} now`), word);
        // ...and only itself: without its punctuation it no longer matches.
        const bare = word.replace(/[^a-z0-9]/gi, '');
        if (bare !== word) assert.ok(!re.test(bare), word);
      }
      const p = plan({ q: 'c++' });
      assert.deepEqual(p.steps[0]!.filter.$and, [
        { $or: [{ title: { $regex: 'c\\+\\+', $options: 'i' } }, { description: { $regex: 'c\\+\\+', $options: 'i' } }] },
      ]);
    });

    it('refuses too long or too many words', () => {
      refused({ q: 'x'.repeat(201) }, 'q');
      refused({ q: 'a b c d e f g h i' }, 'q');
    });
  });

  describe('filters', () => {
    it('status: one or both listable states; deleted is never listable', () => {
      assert.equal(plan({ status: 'completed' }).filter.status, 'completed');
      assert.deepEqual(plan({ status: 'pending, completed' }).filter.status, { $ne: 'deleted' });
      assert.match(refused({ status: 'deleted' }, 'status'), /pending, completed/);
      refused({ status: 'pending,done' }, 'status');
      refused({ status: ',' }, 'status');
    });

    it('priority: a comma list, written as the equality or $ne it amounts to', () => {
      assert.equal(plan({ priority: 'medium' }).filter.priority, 'medium');
      assert.deepEqual(plan({ priority: 'high,low,high' }).filter.priority, { $ne: 'medium' });
      assert.equal(plan({ priority: 'low,medium,high' }).filter.priority, undefined);
      refused({ priority: 'urgent' }, 'priority');
    });

    it('tag: repeated or comma-separated, normalised, all required', () => {
      const p = plan({ tag: ['Work', 'home, errand'] });
      assert.equal(p.filter.tags, 'work'); // an array field equals each value it holds
      assert.deepEqual(p.steps[0]!.filter.$and, [{ tags: { $all: ['home', 'errand'] } }]);
      assert.equal(plan({ tag: ' Work ' }).filter.tags, 'work');
      assert.equal(plan({ tag: ' Work ' }).steps[0]!.filter.$and, undefined);
      refused({ tag: 'x'.repeat(65) }, 'tag');
    });

    it('due and completed ranges: from inclusive, to exclusive, either end optional', () => {
      const from = Date.parse('2026-05-01T00:00:00Z');
      const to = Date.parse('2026-05-02T00:00:00+02:00');
      const p = plan({ dueFrom: '2026-05-01T00:00:00Z', dueTo: '2026-05-02T00:00:00+02:00', completedTo: '2026-05-01T00:00:00Z' });
      assert.deepEqual(p.filter.dueAt, { $gte: from, $lt: to });
      assert.deepEqual(p.filter.completedAt, { $lt: from });
      assert.deepEqual(plan({ completedFrom: '2026-05-01T00:00:00Z' }).filter.completedAt, { $gte: from });
    });

    it('refuses instants without an offset, impossible dates and reversed ranges', () => {
      refused({ dueFrom: 'tomorrow' }, 'dueFrom');
      refused({ dueFrom: '2026-05-01T09:00:00' }, 'dueFrom');
      refused({ completedTo: '2026-02-30T00:00:00Z' }, 'completedTo');
      refused({ dueFrom: '2026-05-02T00:00:00Z', dueTo: '2026-05-01T00:00:00Z' }, 'dueFrom');
      refused({ completedFrom: '2026-05-02T00:00:00Z', completedTo: '2026-05-01T00:00:00Z' }, 'completedFrom');
    });

    it('combines every filter with AND', () => {
      const p = plan({ q: 'report', status: 'pending', priority: 'high', tag: 'work', dueFrom: '2026-01-01T00:00:00Z' });
      const { $and, ...fields } = p.steps[0]!.filter;
      assert.deepEqual(Object.keys(fields).sort(), ['dueAt', 'priority', 'status', 'tags', 'userId']);
      assert.equal(($and as unknown[]).length, 1);
    });
  });

  describe('sort and limit', () => {
    it('sorts by the field, ties newest first, always ending with _id; -x is the exact reverse', () => {
      assert.deepEqual(plan({ sort: 'createdAt' }).steps[0]!.sort, { createdAt: 1, _id: 1 });
      assert.deepEqual(plan({ sort: '-createdAt' }).steps[0]!.sort, { createdAt: -1, _id: -1 });
      assert.deepEqual(plan({ sort: 'priority' }).steps[0]!.sort, { priorityRank: 1, createdAt: -1, _id: -1 });
      assert.deepEqual(plan({ sort: '-priority' }).steps[0]!.sort, { priorityRank: -1, createdAt: 1, _id: 1 });
      for (const sort of SORTS) {
        const keys = sortKeys(sort);
        assert.equal(keys.at(-1)!.field, '_id', sort);
      }
    });

    it('dueAt: the dated tasks in order, then the undated ones, for both directions', () => {
      const up = plan({ sort: 'dueAt' });
      assert.deepEqual(up.steps, [
        { filter: { ...up.filter, dueAt: { $ne: null } }, sort: { dueAt: 1, createdAt: -1, _id: -1 } },
        { filter: { ...up.filter, dueAt: null }, sort: { createdAt: -1, _id: -1 } },
      ]);
      const down = plan({ sort: '-dueAt' });
      assert.deepEqual(down.steps, [
        { filter: { ...down.filter, dueAt: { $ne: null } }, sort: { dueAt: -1, createdAt: 1, _id: 1 } },
        { filter: { ...down.filter, dueAt: null }, sort: { createdAt: 1, _id: 1 } },
      ]);
    });

    it('dueAt with a due range needs no undated step', () => {
      const p = plan({ sort: '-dueAt', dueTo: '2026-01-01T00:00:00Z' });
      assert.equal(p.steps.length, 1);
      assert.deepEqual(p.steps[0]!.filter.dueAt, { $lt: Date.parse('2026-01-01T00:00:00Z') });
    });

    it('refuses an unknown sort', () => {
      assert.match(refused({ sort: 'title' }, 'sort'), /priority/);
      refused({ sort: '--dueAt' }, 'sort');
    });

    it('limit: 1 to 200, default 50', () => {
      assert.equal(plan({ limit: '1' }).limit, 1);
      assert.equal(plan({ limit: '200' }).limit, 200);
      refused({ limit: '0' }, 'limit');
      refused({ limit: '201' }, 'limit');
      refused({ limit: 'ten' }, 'limit');
      refused({ limit: '1.5' }, 'limit');
      refused({ limit: '-1' }, 'limit');
    });
  });

  describe('cursor', () => {
    const doc = { _id: 't9', priorityRank: 1, dueAt: 2_000, createdAt: 1_000 };

    it('continues strictly after the last item, as an $or of comparisons', () => {
      const first = plan({ sort: 'priority' });
      const next = plan({ sort: 'priority', cursor: cursorAfter(first, doc) });
      assert.deepEqual(next.steps[0]!.filter.$and, [
        {
          $or: [
            { priorityRank: { $gt: 1 } },
            { priorityRank: 1, createdAt: { $lt: 1_000 } },
            { priorityRank: 1, createdAt: 1_000, _id: { $lt: 't9' } },
          ],
        },
      ]);
    });

    it('keeps the search words beside the cursor condition', () => {
      const first = plan({ q: 'milk', sort: 'createdAt' });
      const next = plan({ q: 'milk', sort: 'createdAt', cursor: cursorAfter(first, doc) });
      assert.equal((next.steps[0]!.filter.$and as unknown[]).length, 2);
    });

    it('dueAt: a cursor in the dated tasks continues there and then reads all undated ones', () => {
      const first = plan({ sort: 'dueAt' });
      const next = plan({ sort: 'dueAt', cursor: cursorAfter(first, doc) });
      assert.equal(next.steps.length, 2);
      assert.deepEqual(next.steps[0]!.filter.$and, [afterFilter(first.keys, [2_000, 1_000, 't9'])]);
      assert.deepEqual(next.steps[1]!.filter, { ...first.filter, dueAt: null });
    });

    it('dueAt: a cursor in the undated tasks skips the dated ones', () => {
      const first = plan({ sort: '-dueAt' });
      const next = plan({ sort: '-dueAt', cursor: cursorAfter(first, { ...doc, dueAt: null }) });
      assert.deepEqual(next.steps, [
        {
          filter: { ...first.filter, dueAt: null, $and: [{ $or: [{ createdAt: { $gt: 1_000 } }, { createdAt: 1_000, _id: { $gt: 't9' } }] }] },
          sort: { createdAt: 1, _id: 1 },
        },
      ]);
    });

    it('is opaque base64url and decodes to the values it was made of', () => {
      const cursor = cursorAfter(plan({ sort: '-dueAt' }), doc);
      assert.match(cursor, /^[A-Za-z0-9_-]+$/);
      assert.deepEqual(decodeCursor(cursor, '-dueAt'), [2_000, 1_000, 't9']);
    });

    it('refuses a cursor of another sort', () => {
      const cursor = cursorAfter(plan({ sort: 'priority' }), doc);
      assert.match(refused({ sort: 'dueAt', cursor }, 'cursor'), /belongs to sort=priority/);
      assert.match(refused({ cursor }, 'cursor'), /not sort=-createdAt/);
    });

    it('refuses forged and damaged cursors', () => {
      const forge = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');
      const cases: [string, string][] = [
        ['createdAt', 'not base64!'],
        ['createdAt', 'abc'],
        ['createdAt', forge('a string')],
        ['createdAt', forge({ v: 2, s: 'createdAt', k: [1, 'x'] })],
        ['createdAt', forge({ v: 1, s: 'createdAt', k: [1] })],
        ['createdAt', forge({ v: 1, s: 'createdAt', k: ['1', 'x'] })],
        ['createdAt', forge({ v: 1, s: 'createdAt', k: [null, 'x'] })],
        ['createdAt', forge({ v: 1, s: 'createdAt', k: [1.5, 'x'] })],
        ['createdAt', forge({ v: 1, s: 'createdAt', k: [1, ''] })],
        ['createdAt', forge({ v: 1, s: 'createdAt', k: [1, { $gt: '' }] })],
        ['createdAt', forge({ v: 1, s: 'createdAt', k: [1, 'x'], extra: true })],
        ['createdAt', encodeCursor('createdAt', [1, 'x']).slice(0, -3)],
        ['priority', forge({ v: 1, s: 'priority', k: [7, 1, 'x'] })],
        ['-dueAt', forge({ v: 1, s: '-dueAt', k: [1, null, 'x'] })],
      ];
      for (const [sort, cursor] of cases) {
        assert.match(refused({ sort, cursor }, 'cursor'), /not a cursor this endpoint issued/, cursor);
      }
    });
  });

  describe('refusals', () => {
    it('refuses unknown and repeated parameters', () => {
      assert.match(refused({ tags: 'work' }, 'tags'), /unknown parameter/);
      assert.match(refused({ q: ['a', 'b'] }, 'q'), /once/);
      refused({ sort: ['dueAt', 'priority'] }, 'sort');
    });

    it('names every problem at once', () => {
      try {
        parseTaskListQuery({ status: 'deleted', limit: '0', bogus: '1' });
        assert.fail('expected a refusal');
      } catch (err) {
        assert.ok(err instanceof ValidationError);
        const paths = (err.details as { path: string }[]).map((d) => d.path).sort();
        assert.deepEqual(paths, ['bogus', 'limit', 'status']);
      }
    });
  });
});
