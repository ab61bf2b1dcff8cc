// The in-memory store's own cases. Rolling back (to a mark, to the last commit) and the changes
// it reports are the state-store contract's, run against both kinds in state-stores.int.spec.ts
// (the memory half does no I/O either).
import assert from 'node:assert/strict';
import { MemoryStore } from './state-store.js';

describe('streams runtime: MemoryStore', () => {
  it('iterates in key order, by range and in full', () => {
    const store = new MemoryStore<number>();
    for (const key of ['d', 'a', 'c', 'b', 'e']) store.put(key, key.charCodeAt(0));
    store.delete('c');
    assert.deepEqual([...store.range('b', 'd')].map(([k]) => k), ['b', 'd']);
    assert.deepEqual([...store.all()].map(([k]) => k), ['a', 'b', 'd', 'e']);
    store.put('c', 1);
    store.put('aa', 2);
    assert.deepEqual([...store.all()].map(([k]) => k), ['a', 'aa', 'b', 'c', 'd', 'e']);
    assert.equal(store.size, 6);
  });

  it('lets a scan delete and put while it iterates', () => {
    const store = new MemoryStore<number>();
    for (let i = 0; i < 5; i++) store.put(`t${i}`, i);
    const seen: string[] = [];
    for (const [key, value] of store.range('t1', 't3')) {
      seen.push(key);
      store.delete(key);
      store.put(`u${value}`, value);
    }
    assert.deepEqual(seen, ['t1', 't2', 't3']);
    assert.deepEqual([...store.all()].map(([k]) => k), ['t0', 't4', 'u1', 'u2', 'u3']);
  });

  it('restores without logging', () => {
    const store = new MemoryStore<number>();
    store.restore('x', 1);
    store.restore('y', 2);
    store.restore('x', undefined);
    assert.deepEqual([...store.all()], [['y', 2]]);
    assert.deepEqual(store.changes(), []);
  });
});
