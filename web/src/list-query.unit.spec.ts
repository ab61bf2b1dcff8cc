import assert from 'node:assert/strict';
import { compareTasks, DEFAULT_QUERY, matchesQuery, parseTags, toSearchParams, type ListQuery } from './list-query.js';
import { aTask } from './testing/tasks.js';

const query = (over: Partial<ListQuery>): ListQuery => ({ ...DEFAULT_QUERY, ...over });

describe('web: list query', () => {
  it('given filters and a cursor, then the search parameters are those GET /v1/tasks takes, empty ones left out', () => {
    const params = toSearchParams(
      query({ q: ' milk ', status: ['pending'], priority: ['high', 'low'], tags: ['home', 'shop'], dueFrom: '2026-01-01T00:00:00.000Z', sort: 'dueAt' }),
      { cursor: 'abc', limit: 20 },
    );
    assert.equal(params.toString(), 'q=milk&status=pending&priority=high%2Clow&tag=home%2Cshop&dueFrom=2026-01-01T00%3A00%3A00.000Z&sort=dueAt&limit=20&cursor=abc');
    assert.equal(toSearchParams(DEFAULT_QUERY).toString(), 'sort=-createdAt');
  });

  it('given tags typed with spaces, capitals and repeats, then they are normalized as the server does', () => {
    assert.deepEqual(parseTags(' Work, home ,work,, '), ['work', 'home']);
  });

  it('given keywords, then every word must occur in the title or the description, ignoring case', () => {
    const task = aTask({ title: 'Buy MILK', description: 'at the corner shop' });
    assert.equal(matchesQuery(task, query({ q: 'milk corner' })), true);
    assert.equal(matchesQuery(task, query({ q: 'milk bread' })), false);
    assert.equal(matchesQuery(aTask({ title: 'x', description: null }), query({ q: 'x' })), true);
  });

  it('given status, priority and tag filters, then all must hold, and a deleted task never matches', () => {
    const task = aTask({ status: 'completed', priority: 'high', tags: ['home', 'shop'] });
    assert.equal(matchesQuery(task, query({ status: ['completed'], priority: ['high'], tags: ['shop'] })), true);
    assert.equal(matchesQuery(task, query({ status: ['pending'] })), false);
    assert.equal(matchesQuery(task, query({ priority: ['low', 'medium'] })), false);
    assert.equal(matchesQuery(task, query({ tags: ['shop', 'work'] })), false);
    assert.equal(matchesQuery({ ...task, status: 'deleted' }, DEFAULT_QUERY), false);
  });

  it('given a due range, then dueFrom is inclusive, dueTo exclusive, and undated tasks are out', () => {
    const range = query({ dueFrom: '2026-03-01T00:00:00Z', dueTo: '2026-03-02T00:00:00Z' });
    assert.equal(matchesQuery(aTask({ dueAt: '2026-03-01T00:00:00.000Z' }), range), true);
    assert.equal(matchesQuery(aTask({ dueAt: '2026-03-02T00:00:00.000Z' }), range), false);
    assert.equal(matchesQuery(aTask({ dueAt: null }), range), false);
  });

  it('given the priority sort, then high comes first and ties show the newest first; -priority is the exact reverse', () => {
    const old = aTask({ priority: 'high', createdAt: '2026-01-01T00:00:00.000Z' });
    const recent = aTask({ priority: 'high', createdAt: '2026-02-01T00:00:00.000Z' });
    const low = aTask({ priority: 'low' });
    const ascending = [low, old, recent].sort(compareTasks('priority'));
    assert.deepEqual(ascending.map((t) => t.id), [recent.id, old.id, low.id]);
    assert.deepEqual([old, low, recent].sort(compareTasks('-priority')).map((t) => t.id), [low.id, old.id, recent.id]);
  });

  it('given the dueAt sorts, then undated tasks come last in both directions', () => {
    const soon = aTask({ dueAt: '2026-03-01T00:00:00.000Z' });
    const later = aTask({ dueAt: '2026-04-01T00:00:00.000Z' });
    const undated = aTask({ dueAt: null });
    assert.deepEqual([undated, later, soon].sort(compareTasks('dueAt')).map((t) => t.id), [soon.id, later.id, undated.id]);
    assert.deepEqual([undated, soon, later].sort(compareTasks('-dueAt')).map((t) => t.id), [later.id, soon.id, undated.id]);
  });

  it('given the same createdAt, then the id breaks the tie, so the order is total', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const a = aTask({ id: 'a', createdAt: at });
    const b = aTask({ id: 'b', createdAt: at });
    assert.deepEqual([b, a].sort(compareTasks('createdAt')).map((t) => t.id), ['a', 'b']);
    assert.deepEqual([a, b].sort(compareTasks('-createdAt')).map((t) => t.id), ['b', 'a']);
  });
});
