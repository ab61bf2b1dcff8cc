// The in-memory half of a state store: a sorted map for one (store, partition), with an undo
// log so that the writes of an aborted transaction (or of one record sent to the DLQ) can be
// taken back, and the set of keys written since the last commit, which become changelog records.
import type { KeyValueStore } from './types.js';

interface Undo<V> {
  key: string;
  previous: V | undefined;
}

/** One changelog entry: the key and its value, or `undefined` for a delete (a tombstone). */
export type StoreChange<V = unknown> = [key: string, value: V | undefined];

export class MemoryStore<V> implements KeyValueStore<V> {
  private readonly map = new Map<string, V>();
  // Sorted lazily: new keys wait in `unsorted` until a scan needs order, so a restore of many
  // keys costs one sort, not one array insert per key. Deleted keys stay in `sorted` until the
  // next merge and are skipped while iterating.
  private sorted: string[] = [];
  private unsorted: string[] = [];
  private stale = 0;
  private undo: Undo<V>[] = [];
  private readonly dirty = new Set<string>();

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  put(key: string, value: V): void {
    if (value === undefined) throw new TypeError(`store value for ${key} is undefined; use delete()`);
    this.undo.push({ key, previous: this.map.get(key) });
    this.dirty.add(key);
    this.set(key, value);
  }

  delete(key: string): void {
    this.undo.push({ key, previous: this.map.get(key) });
    this.dirty.add(key);
    this.remove(key);
  }

  *range(fromKey: string, toKey: string): IterableIterator<[string, V]> {
    const keys = this.orderedKeys();
    for (let i = lowerBound(keys, fromKey); i < keys.length; i++) {
      const key = keys[i]!;
      if (key > toKey) return;
      if (this.map.has(key)) yield [key, this.map.get(key)!];
    }
  }

  *all(): IterableIterator<[string, V]> {
    for (const key of this.orderedKeys()) if (this.map.has(key)) yield [key, this.map.get(key)!];
  }

  /** A point to roll back to, taken before each record. */
  mark(): number {
    return this.undo.length;
  }

  /** Takes back every write after `mark` (0: the whole uncommitted transaction). */
  rollback(mark = 0): void {
    while (this.undo.length > mark) {
      const { key, previous } = this.undo.pop()!;
      if (previous === undefined) this.remove(key);
      else this.set(key, previous);
    }
  }

  /** The final value of each key written since the last call: the changelog of a transaction. */
  changes(): StoreChange<V>[] {
    return [...this.dirty].map((key) => [key, this.map.get(key)]);
  }

  /** The transaction committed: its writes can no longer be taken back. */
  commit(): void {
    this.undo = [];
    this.dirty.clear();
  }

  /** Applies a changelog record during restore: not logged, not undoable. */
  restore(key: string, value: V | undefined): void {
    if (value === undefined) this.remove(key);
    else this.set(key, value);
  }

  private set(key: string, value: V): void {
    if (!this.map.has(key)) this.unsorted.push(key);
    this.map.set(key, value);
  }

  private remove(key: string): void {
    if (this.map.delete(key)) this.stale++;
  }

  /**
   * The live keys in order. Returns a fresh array after any change, so a scan that puts or
   * deletes while it iterates (a punctuator firing due timers) is safe: it sees the keys as they
   * were when it began.
   */
  private orderedKeys(): string[] {
    if (this.unsorted.length === 0 && this.stale === 0) return this.sorted;
    const added = [...new Set(this.unsorted.filter((key) => this.map.has(key)))].sort(compare);
    this.sorted = mergeLive(this.sorted, added, (key) => this.map.has(key));
    this.unsorted = [];
    this.stale = 0;
    return this.sorted;
  }
}

/** Merges two sorted arrays in O(n), keeping only live keys and each key once. */
function mergeLive(a: string[], b: string[], live: (key: string) => boolean): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (live(next) && out[out.length - 1] !== next) out.push(next);
  }
  return out;
}

// Code-unit order, the same as the `<`/`>` comparisons that range() uses.
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function lowerBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
