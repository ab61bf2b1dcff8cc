// The on-disk state store, as Kafka Streams keeps state in RocksDB: one LMDB database (lmdb, whose
// npm package ships its native binary) per (store, partition), in one LMDB environment per app
// under the state directory. LMDB is chosen over LevelDB for its synchronous reads and ordered
// scans: the store API processors see is synchronous (get, range) and stays so.
//
// Committed entries live on disk, in the page cache the kernel may evict; the transaction's
// uncommitted writes live in an overlay map, so a rollback never touches the disk and a commit
// is one LMDB write transaction. Values are the changelog's JSON, keys UTF-16 code units stored
// big-endian, so LMDB's byte order is the code-unit order of range() bounds.
//
// Durability is the changelog's, not the disk's: a store is cleared when it is opened and restored
// from its changelog (restore from scratch, like the in-memory store), so the environment runs
// without fsync and a crash can leave nothing behind that a later run would trust.
import { open, type Database, type RootDatabase } from 'lmdb';
import { compareKeys, TransactionalStore } from './state-store.js';

const RESTORE_BATCH = 10_000;

const encodeKey = (key: string): Buffer => Buffer.from(key, 'utf16le').swap16();
const decodeKey = (bytes: Uint8Array): string => Buffer.from(bytes).swap16().toString('utf16le');

/** One LMDB environment (a directory): the disk stores of one app. */
export class DiskEnvironment {
  private readonly root: RootDatabase;

  constructor(readonly path: string) {
    // noSync: the changelog is the durable copy (see above). maxDbs: stores x partitions.
    // noSubdir false: a path with a dot (a TOPIC_PREFIX) is still a directory.
    this.root = open({ path, noSubdir: false, noSync: true, maxDbs: 4096, compression: false, cache: false });
  }

  /** The store's database, cleared: it is about to be restored from its changelog. */
  open<V>(store: string, partition: number): DiskStore<V> {
    const db = this.root.openDB<string, Buffer>({ name: `${store}.${partition}`, encoding: 'string', keyEncoding: 'binary', cache: false });
    db.clearSync();
    return new DiskStore<V>(db);
  }

  close(): Promise<void> {
    return this.root.close();
  }
}

export class DiskStore<V> extends TransactionalStore<V> {
  /** Writes since the last commit (`null`: deleted); rolled-back writes hold the committed value. */
  private readonly overlay = new Map<string, string | null>();
  private readonly restoring = new Map<string, string | null>();
  private count = 0;

  constructor(private readonly db: Database<string, Buffer>) {
    super();
  }

  get size(): number {
    this.flushRestore();
    return this.count;
  }

  close(): void {
    this.overlay.clear();
    this.restoring.clear();
    this.db.clearSync();
  }

  protected read(key: string): string | undefined {
    this.flushRestore();
    const pending = this.overlay.get(key);
    if (pending !== undefined) return pending ?? undefined;
    return this.db.get(encodeKey(key));
  }

  protected write(key: string, json: string | undefined): void {
    const had = this.read(key) !== undefined;
    this.count += (json !== undefined ? 1 : 0) - (had ? 1 : 0);
    this.overlay.set(key, json ?? null);
  }

  protected override committed(): void {
    if (this.overlay.size === 0) return;
    this.db.transactionSync(() => {
      for (const [key, json] of this.overlay) {
        if (json === null) this.db.removeSync(encodeKey(key));
        else this.db.putSync(encodeKey(key), json);
      }
    });
    this.overlay.clear();
  }

  protected restoreWrite(key: string, json: string | undefined): void {
    this.restoring.set(key, json ?? null);
    if (this.restoring.size >= RESTORE_BATCH) this.flushRestore();
  }

  /** Merges the disk's keys (a read snapshot) with the overlay's keys as of the start. */
  protected *scan(fromKey: string, toKey: string | undefined): IterableIterator<[string, string]> {
    this.flushRestore();
    const inRange = (key: string) => key >= fromKey && (toKey === undefined || key <= toKey);
    const overlay = [...this.overlay.keys()].filter(inRange).sort(compareKeys);
    const disk = this.db.getKeys({ start: encodeKey(fromKey), ...(toKey === undefined ? {} : { end: encodeKey(toKey), inclusiveEnd: true }) })[Symbol.iterator]();
    let next = disk.next();
    let i = 0;
    while (!next.done || i < overlay.length) {
      const onDisk = next.done ? undefined : decodeKey(next.value);
      const pending = overlay[i];
      let key: string;
      if (onDisk === undefined || (pending !== undefined && pending <= onDisk)) {
        key = pending!;
        i++;
        if (pending === onDisk) next = disk.next();
      } else {
        key = onDisk;
        next = disk.next();
      }
      // The value is read again by the caller as of now; only the key order matters here.
      yield [key, ''];
    }
  }

  private flushRestore(): void {
    if (this.restoring.size === 0) return;
    this.db.transactionSync(() => {
      for (const [key, json] of this.restoring) {
        if (json === null) this.db.removeSync(encodeKey(key));
        else this.db.putSync(encodeKey(key), json);
      }
    });
    this.restoring.clear();
    this.count = (this.db.getStats() as { entryCount: number }).entryCount;
  }
}
