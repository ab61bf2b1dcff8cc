// The in-memory state store: one (store, partition) as a B+ tree of encoded values, with an undo
// log so that the writes of an aborted transaction (or of one record sent to the DLQ) can be
// taken back, and the set of keys written since the last commit, which become changelog records.
//
// Values are kept as their changelog JSON, not as the object graphs processors hand in: a
// restored scheduler timer held 1.4 KB as parsed objects and 3.5 KB as the objects the processor
// built (spread copies, decoded Avro strings), against ~1.1 KB of JSON (bench/stores.bench.ts).
// The JSON is also what the changelog needs, so a write is encoded once, at put(), and a restore
// stores the record's bytes as they come. get() decodes, so every read is a fresh copy and a
// value lives and restores the same (what JSON cannot hold fails at put(), inside the record).
import { createRequire } from 'node:module';
import type SortedBTree from 'sorted-btree';
import type { KeyValueStore } from './types.js';

/** One changelog entry: the key and its value, or `undefined` for a delete (a tombstone). */
export type StoreChange<V = unknown> = [key: string, value: V | undefined];

/** What the runtime needs of a store of either kind (memory here, disk in disk-store.ts). */
export interface PartitionStore<V> extends KeyValueStore<V> {
  /** A point to roll back to, taken before each record. */
  mark(): number;
  /** Takes back every write after `mark` (0: the whole uncommitted transaction). */
  rollback(mark?: number): void;
  /** The final value of each key written since the last commit: the changelog of a transaction. */
  changes(): StoreChange<V>[];
  /** The same, as the JSON the changelog carries. */
  encodedChanges(): StoreChange<string>[];
  /** The transaction committed: its writes can no longer be taken back. */
  commit(): void;
  /** Applies a changelog record during restore: not logged, not undoable. */
  restore(key: string, value: V | undefined): void;
  /** The same, from the record's JSON. */
  restoreEncoded(key: string, json: string | undefined): void;
  /** The partition is gone (revoked, app stopped): drop what the store holds. */
  close(): void;
}

/** Encodes a store value; a value JSON cannot hold fails here, in the record that wrote it. */
export function encodeValue(key: string, value: unknown): string {
  if (value === undefined) throw new TypeError(`store value for ${key} is undefined; use delete()`);
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new TypeError(`store value for ${key} is not JSON (a ${typeof value})`);
  return json;
}

export const decodeValue = <V>(json: string): V => JSON.parse(json) as V;

/** Code-unit order, the same as `<`/`>` on strings: what range() bounds mean. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface Undo {
  key: string;
  previous: string | undefined;
}

/**
 * The keys written since the last commit with the encoded value each holds now, and the undo log;
 * shared by both kinds of store.
 */
export abstract class TransactionalStore<V> implements PartitionStore<V> {
  private undo: Undo[] = [];
  private readonly dirty = new Set<string>();

  abstract get size(): number;
  abstract close(): void;
  /** The encoded value of `key` as of now (uncommitted writes included). */
  protected abstract read(key: string): string | undefined;
  protected abstract write(key: string, json: string | undefined): void;
  /** Keys in [from, to] in order, as of the start of the scan, each with its value then. */
  protected abstract scan(fromKey: string, toKey: string | undefined): IterableIterator<[string, string]>;
  protected abstract restoreWrite(key: string, json: string | undefined): void;
  /** The transaction committed: uncommitted writes become committed ones (the disk store writes them). */
  protected committed(_keys: ReadonlySet<string>): void {}

  get(key: string): V | undefined {
    const json = this.read(key);
    return json === undefined ? undefined : decodeValue<V>(json);
  }

  put(key: string, value: V): void {
    this.log(key, encodeValue(key, value));
  }

  delete(key: string): void {
    this.log(key, undefined);
  }

  range(fromKey: string, toKey: string): IterableIterator<[string, V]> {
    return this.live(this.scan(fromKey, toKey));
  }

  all(): IterableIterator<[string, V]> {
    return this.live(this.scan('', undefined));
  }

  mark(): number {
    return this.undo.length;
  }

  rollback(mark = 0): void {
    while (this.undo.length > mark) {
      const { key, previous } = this.undo.pop()!;
      this.write(key, previous);
    }
  }

  changes(): StoreChange<V>[] {
    return this.encodedChanges().map(([key, json]) => [key, json === undefined ? undefined : decodeValue<V>(json)]);
  }

  encodedChanges(): StoreChange<string>[] {
    return [...this.dirty].map((key) => [key, this.read(key)]);
  }

  commit(): void {
    this.committed(this.dirty);
    this.undo = [];
    this.dirty.clear();
  }

  restore(key: string, value: V | undefined): void {
    this.restoreWrite(key, value === undefined ? undefined : encodeValue(key, value));
  }

  restoreEncoded(key: string, json: string | undefined): void {
    this.restoreWrite(key, json);
  }

  private log(key: string, json: string | undefined): void {
    this.undo.push({ key, previous: this.read(key) });
    this.dirty.add(key);
    this.write(key, json);
  }

  /**
   * A scan sees the keys as they were when it began, so it may put and delete while it iterates
   * (a punctuator firing due timers); a key deleted meanwhile is skipped, one rewritten is read
   * as it is now.
   */
  private *live(keys: IterableIterator<[string, string]>): IterableIterator<[string, V]> {
    for (const [key] of keys) {
      const json = this.read(key);
      if (json !== undefined) yield [key, decodeValue<V>(json)];
    }
  }
}

// A CommonJS package whose class is its `default` export, which ESM default-import interop reads
// differently under tsc and tsx: required, it is the same everywhere.
const BTree = (createRequire(import.meta.url)('sorted-btree') as typeof SortedBTree).default;

export class MemoryStore<V> extends TransactionalStore<V> {
  // One index: a B+ tree (sorted-btree) keeps the keys in order and finds them in O(log n), with
  // a copy-on-write clone() that gives each scan its snapshot for free.
  private tree = new BTree<string, string>(undefined, compareKeys);

  get size(): number {
    return this.tree.size;
  }

  close(): void {
    this.tree = new BTree<string, string>(undefined, compareKeys);
  }

  protected read(key: string): string | undefined {
    return this.tree.get(key);
  }

  protected write(key: string, json: string | undefined): void {
    if (json === undefined) this.tree.delete(key);
    else this.tree.set(key, json);
  }

  protected restoreWrite(key: string, json: string | undefined): void {
    this.write(key, json);
  }

  protected *scan(fromKey: string, toKey: string | undefined): IterableIterator<[string, string]> {
    if (this.tree.size === 0) return;
    for (const entry of this.tree.clone().entries(fromKey)) {
      if (toKey !== undefined && entry[0] > toKey) return;
      yield entry;
    }
  }
}
