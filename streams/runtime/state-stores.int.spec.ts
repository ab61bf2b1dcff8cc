// The state-store contract, run against both kinds: the in-memory B+ tree and the LMDB disk
// store (real files in a temporary directory; no broker). Then the disk store through the real
// runtime: a restart restores it from its changelog.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from '../../test/support/stack-env.js';
import { committedRecords, countingProcessor, decodeViews, newApp, physical, produceEvents, readAll, registeredPrefix, startAndAssign, taskCreated } from './__tests__/support.js';
import type { StreamsApp } from './runtime.js';
import { openStateStores, storeKinds, type StateStores, type StoreKind } from './store-factory.js';
import type { PartitionStore } from './state-store.js';

const keys = <V>(entries: Iterable<[string, V]>) => [...entries].map(([k]) => k);

for (const kind of ['memory', 'disk'] as StoreKind[]) {
  describe(`streams runtime: the state-store contract (${kind})`, () => {
    let dir: string;
    let stores: StateStores;
    const open = <V>(partition = 0) => stores.open('s', partition) as PartitionStore<V>;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'store-contract-'));
      // A dot in the path (a TOPIC_PREFIX) must not make LMDB take the directory for a file.
      stores = openStateStores({ stateDir: join(dir, 'run-1.scheduler-bench'), kindOf: () => kind });
    });
    afterEach(async () => {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('iterates in key order, by inclusive range and in full, and counts its entries', () => {
      const store = open<number>();
      for (const key of ['d', 'a', 'c', 'b', 'e']) store.put(key, key.charCodeAt(0));
      store.delete('c');
      assert.deepEqual(keys(store.range('b', 'd')), ['b', 'd']);
      assert.deepEqual(keys(store.all()), ['a', 'b', 'd', 'e']);
      store.commit();
      store.put('c', 1);
      store.put('aa', 2);
      store.delete('zz');
      assert.deepEqual(keys(store.all()), ['a', 'aa', 'b', 'c', 'd', 'e']);
      assert.equal(store.size, 6);
      store.commit();
      assert.deepEqual([...store.range('aa', 'c')], [['aa', 2], ['b', 98], ['c', 1]]);
      assert.equal(store.size, 6);
    });

    it('orders keys by UTF-16 code unit, as < does, so "\\uffff" bounds a prefix', () => {
      const store = open<number>();
      const all = ['u/a', 'u/\u00e9', 'u/\u{1F600}', 'u/\uffee', 'u0', 'u/', 't/\uffff'];
      for (const key of all) store.put(key, 1);
      store.commit();
      assert.deepEqual(keys(store.all()), [...all].sort());
      assert.deepEqual(keys(store.range('u/', 'u/\uffff')), ['u/', 'u/a', 'u/\u00e9', 'u/\u{1F600}', 'u/\uffee']);
    });

    it('lets a scan delete and put while it iterates: it sees the keys as they were, skips those deleted since', () => {
      const store = open<number>();
      for (let i = 0; i < 6; i++) store.put(`t${i}`, i);
      store.commit();
      const seen: string[] = [];
      for (const [key, value] of store.range('t1', 't4')) {
        seen.push(key);
        store.delete(key);
        if (key === 't1') store.delete('t3');
        if (key === 't2') store.put('t4', 40);
        store.put(`u${value}`, value);
      }
      assert.deepEqual(seen, ['t1', 't2', 't4']);
      assert.deepEqual(keys(store.all()), ['t0', 't5', 'u1', 'u2', 'u40']);
    });

    it('rolls back to a mark and to the last commit, and reports the final value of each written key', () => {
      const store = open<string>();
      store.put('a', 'committed');
      store.commit();
      store.put('a', 'one');
      store.put('b', 'two');
      const mark = store.mark();
      store.put('a', 'three');
      store.delete('b');
      store.put('c', 'four');
      store.rollback(mark);
      assert.deepEqual([...store.all()], [['a', 'one'], ['b', 'two']]);
      store.delete('a');
      assert.deepEqual(store.changes().sort(), [['a', undefined], ['b', 'two'], ['c', undefined]]);
      assert.deepEqual(store.encodedChanges().sort(), [['a', undefined], ['b', '"two"'], ['c', undefined]]);
      store.rollback();
      assert.deepEqual([...store.all()], [['a', 'committed']]);
      assert.equal(store.size, 1);
    });

    it('keeps values as JSON: get() returns a copy, and a value JSON cannot hold fails at put() without a trace', () => {
      const store = open<{ n: number; at?: Date | string }>();
      const value = { n: 1, at: new Date(0) };
      store.put('k', value);
      value.n = 2;
      const read = store.get('k')!;
      assert.deepEqual(read, { n: 1, at: '1970-01-01T00:00:00.000Z' }, 'as the changelog restores it');
      read.n = 3;
      assert.equal(store.get('k')!.n, 1);
      assert.throws(() => store.put('bad', undefined as never), TypeError);
      assert.throws(() => store.put('bad', (() => 1) as never), TypeError);
      assert.equal(store.get('bad'), undefined);
      assert.deepEqual(store.changes(), [['k', { n: 1, at: '1970-01-01T00:00:00.000Z' }]]);
    });

    it('restores without logging, from values and from changelog JSON', () => {
      const store = open<number>();
      store.restore('x', 1);
      store.restoreEncoded('y', '2');
      store.restoreEncoded('z', '3');
      store.restore('x', undefined);
      store.restoreEncoded('z', undefined);
      assert.deepEqual([...store.all()], [['y', 2]]);
      assert.equal(store.size, 1);
      assert.deepEqual(store.changes(), []);
    });

    it('restores many entries and finds them again in order', () => {
      const store = open<{ i: number }>();
      const n = 25_000;
      for (let i = n - 1; i >= 0; i--) store.restoreEncoded(`k${String(i).padStart(6, '0')}`, JSON.stringify({ i }));
      assert.equal(store.size, n);
      assert.deepEqual(store.get('k012345'), { i: 12345 });
      assert.deepEqual([...store.range('k000998', 'k001001')].map(([, v]) => v.i), [998, 999, 1000, 1001]);
    });

    it('opens each partition apart, empty (it is restored from scratch), and close() drops its entries', () => {
      const p0 = open<number>(0);
      const p1 = open<number>(1);
      p0.put('a', 1);
      p0.commit();
      p1.put('b', 2);
      p1.commit();
      assert.deepEqual(keys(p0.all()), ['a']);
      assert.deepEqual(keys(p1.all()), ['b']);
      const again = open<number>(0);
      assert.equal(again.size, 0);
      assert.deepEqual(keys(again.all()), []);
      p1.close();
      assert.equal(open<number>(1).size, 0);
    });
  });
}

describe('streams runtime: store kinds', () => {
  it('reads a kind for all stores, per store, or both; the definition comes before the default', () => {
    const kinds = storeKinds('disk,users=memory', new Map([['due', 'memory' as const]]));
    assert.deepEqual(['tasks', 'users', 'due'].map(kinds), ['disk', 'memory', 'memory']);
    assert.deepEqual(['tasks', 'due'].map(storeKinds('due=disk')), ['memory', 'disk']);
    assert.equal(storeKinds(undefined)('x'), 'memory');
    assert.throws(() => storeKinds('rocksdb'), /store kind "rocksdb"/);
  });
});

describe('streams runtime: a disk store through the real runtime', function () {
  this.timeout(90_000);
  let apps: StreamsApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    apps = [];
  });

  it('is restored from its changelog on a fresh directory after a restart, and its directory is gone after stop', async () => {
    const prefix = await registeredPrefix('rt-disk');
    const name = uniqueName('counter');
    const root = mkdtempSync(join(tmpdir(), 'disk-store-'));
    const stateDir = join(root, 'state');
    try {
      const app1 = newApp(countingProcessor(name), prefix, { store: 'disk', stateDir });
      apps.push(app1);
      await startAndAssign(app1);
      assert.ok(existsSync(join(stateDir, 'data.mdb')), 'the store lives on disk');
      const first = [...Array.from({ length: 4 }, () => taskCreated('ann')), taskCreated('bob')];
      const done1 = committedRecords(app1, first.length);
      await produceEvents(prefix, first);
      await done1;
      await app1.stop();
      assert.equal(existsSync(stateDir), false, 'wiped at stop: nothing a restart could double-apply');

      const app2 = newApp(countingProcessor(name), prefix, { store: 'counts=disk', stateDir });
      apps.push(app2);
      await startAndAssign(app2);
      const done2 = committedRecords(app2, 2);
      await produceEvents(prefix, [taskCreated('ann'), taskCreated('bob')]);
      await done2;
      const counts = (await decodeViews(prefix, await readAll(physical('task-views', prefix)))).map((o) => `${o.value.userId}:${o.value.message}`).sort();
      assert.deepEqual(counts, ['ann:1', 'ann:2', 'ann:3', 'ann:4', 'ann:5', 'bob:1', 'bob:2']);
    } finally {
      await Promise.all(apps.map((app) => app.stop()));
      rmSync(root, { recursive: true, force: true });
    }
  });
});
