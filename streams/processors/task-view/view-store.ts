// The task view's one writer: the store the task-view processor writes through (guarded
// writes that lose races instead of overwriting), the mapping between the fold's StoredTask and
// the document, creating the collection with its indexes, and the catch-up into a rebuilt
// collection. The document, indexes, pointer and readers are views/task-view.ts; the FerretDB
// constraints that shape both are in its header. Only streams/processors/task-view imports this
// file (eslint.config.js).
//
// There are no transactions: every write is one guarded document write. An update replaces the
// document only if it still holds the state the event was folded onto (its version and source
// position); a create inserts, and a duplicate key means someone else created it. Either way a
// lost race is reported back, never overwritten, and the caller re-reads and decides again.
import { MongoServerError, type AnyBulkWriteOperation, type Collection, type Db } from 'mongodb';
import { PRIORITY_RANK, readPointer, readTaskView, TASK_INDEXES, type TaskDocument } from '../../../views/task-view.js';
import type { Position, StoredTask } from './fold.js';

export function toDocument({ view, position, recentEventIds, recentEventOffsets, rejectedEvents }: StoredTask): TaskDocument {
  return {
    ...view,
    _id: view.id,
    priorityRank: PRIORITY_RANK[view.priority] ?? PRIORITY_RANK.medium,
    sourcePartition: position.partition,
    sourceOffset: position.offset,
    recentEventIds,
    recentEventOffsets,
    rejectedEvents,
  };
}

export function fromDocument(doc: TaskDocument): StoredTask {
  return {
    view: readTaskView(doc),
    position: { partition: doc.sourcePartition, offset: doc.sourceOffset },
    recentEventIds: doc.recentEventIds,
    recentEventOffsets: doc.recentEventOffsets ?? [],
    rejectedEvents: doc.rejectedEvents,
  };
}

/** Creates the collection if needed and its indexes; repeating it changes nothing. */
export async function ensureTaskCollection(db: Db, name: string): Promise<Collection<TaskDocument>> {
  try {
    await db.createCollection(name);
  } catch (err) {
    if (!(err instanceof MongoServerError && err.code === 48)) throw err; // 48: NamespaceExists
  }
  const collection = db.collection<TaskDocument>(name);
  const existing = new Set((await collection.listIndexes().toArray()).map((i) => String((i as { name?: unknown }).name)));
  // One index per command: FerretDB 1.24 panics (and drops the connection) on a createIndexes
  // of two or more indexes that all exist already.
  for (const index of TASK_INDEXES) if (!existing.has(index.name!)) await collection.createIndexes([index]);
  return collection;
}

/** A write of one task: an insert when there was no document, else a replace guarded by `prev`. */
export interface TaskWrite {
  prev: StoredTask | null;
  next: StoredTask;
}

/** What the task-view processor needs from its database; faked in memory by unit tests. */
export interface TaskViewStore {
  /** The stored tasks among `taskIds`; absent ids have no document. */
  load(taskIds: readonly string[]): Promise<Map<string, StoredTask>>;
  /** Applies the writes; resolves to the ids whose write lost a race (nothing written for them). */
  write(writes: readonly TaskWrite[]): Promise<string[]>;
}

/** See views/task-view.ts's header: bigger update commands can deadlock FerretDB. */
export const MAX_UPDATES_PER_COMMAND = 8;

/** Up to this many tasks, load() sends one find per id (pushed down) rather than one `$in` (not). */
export const MAX_FINDS_BY_ID = 16;

const guardOf = (prev: StoredTask) => ({
  _id: prev.view.id,
  version: prev.view.version,
  sourcePartition: prev.position.partition,
  sourceOffset: prev.position.offset,
});

const sameState = (doc: TaskDocument | undefined, task: StoredTask): boolean =>
  !!doc && doc.version === task.view.version && doc.sourcePartition === task.position.partition && doc.sourceOffset === task.position.offset;

export interface MongoTaskViewStoreOptions {
  /** The logical collection name (TASKS_COLLECTION): the pointer's id, and the collection when there is no pointer. */
  name?: string;
  /** How long a resolved pointer is trusted before it is read again. */
  pointerTtlMs?: number;
  now?: () => number;
  onSwitch?: (from: string, to: string, copied: number) => void;
}

export class MongoTaskViewStore implements TaskViewStore {
  readonly name: string;
  private readonly pointerTtlMs: number;
  private readonly now: () => number;
  private live: Collection<TaskDocument> | undefined;
  private checkedAt = -Infinity;
  private resolving: Promise<Collection<TaskDocument>> | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: MongoTaskViewStoreOptions = {},
  ) {
    this.name = options.name ?? 'tasks';
    this.pointerTtlMs = options.pointerTtlMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Creates the live collection and its indexes if needed. */
  async init(): Promise<void> {
    const pointer = await readPointer(this.db, this.name);
    await ensureTaskCollection(this.db, pointer?.collection ?? this.name);
  }

  /** The live collection, re-resolved when the pointer's TTL has passed. */
  collection(): Promise<Collection<TaskDocument>> {
    if (this.live && this.now() - this.checkedAt < this.pointerTtlMs) return Promise.resolve(this.live);
    this.resolving ??= this.resolve().finally(() => (this.resolving = undefined));
    return this.resolving;
  }

  async load(taskIds: readonly string[]): Promise<Map<string, StoredTask>> {
    const tasks = new Map<string, StoredTask>();
    if (taskIds.length === 0) return tasks;
    const collection = await this.collection();
    const ids = [...new Set(taskIds)];
    // A few ids are read one find each: FerretDB 1.24 pushes `{ _id: x }` down into SQL but not
    // `$in`, for which it reads and decodes the whole collection (every user's tasks) in its own
    // process: 159 ms for 20 ids in 2,000 documents, against 32 ms for 20 finds at once
    // (bench/ferretdb-explain.ts). Each find still scans in PostgreSQL (its btree index on _id
    // cannot serve the jsonb containment FerretDB filters with), so a big batch reads once.
    // toArray() drains the cursor: FerretDB holds a backend connection for an open one.
    const docs =
      ids.length <= MAX_FINDS_BY_ID
        ? (await Promise.all(ids.map((_id) => collection.findOne({ _id })))).filter((doc) => doc !== null)
        : await collection.find({ _id: { $in: ids } }, { batchSize: Math.max(ids.length, 2) }).toArray();
    for (const doc of docs) tasks.set(doc._id, fromDocument(doc));
    return tasks;
  }

  async write(writes: readonly TaskWrite[]): Promise<string[]> {
    if (writes.length === 0) return [];
    const collection = await this.collection();
    const inserts = writes.filter((w) => !w.prev);
    const updates = writes.filter((w): w is TaskWrite & { prev: StoredTask } => !!w.prev);
    const lost: string[] = [];
    if (inserts.length > 0) lost.push(...(await this.insert(collection, inserts.map((w) => w.next))));
    for (let i = 0; i < updates.length; i += MAX_UPDATES_PER_COMMAND) {
      lost.push(...(await this.replace(collection, updates.slice(i, i + MAX_UPDATES_PER_COMMAND))));
    }
    return lost;
  }

  private async insert(collection: Collection<TaskDocument>, tasks: StoredTask[]): Promise<string[]> {
    try {
      await collection.insertMany(tasks.map(toDocument), { ordered: false });
      return [];
    } catch (err) {
      const writeErrors = (err as { writeErrors?: { index: number; code: number }[] | { index: number; code: number } }).writeErrors;
      const errors = writeErrors === undefined ? [] : Array.isArray(writeErrors) ? writeErrors : [writeErrors];
      if (errors.length === 0 || errors.some((e) => e.code !== 11000)) throw err;
      // The task exists already (someone else's create, or an earlier delivery of this one):
      // the caller reads it and decides again.
      return errors.map((e) => tasks[e.index]!.view.id);
    }
  }

  private async replace(collection: Collection<TaskDocument>, writes: (TaskWrite & { prev: StoredTask })[]): Promise<string[]> {
    if (writes.length === 1) {
      const [{ prev, next }] = writes as [TaskWrite & { prev: StoredTask }];
      const result = await collection.replaceOne(guardOf(prev), toDocument(next));
      return result.matchedCount === 1 ? [] : [next.view.id];
    }
    const ops: AnyBulkWriteOperation<TaskDocument>[] = writes.map(({ prev, next }) => ({
      replaceOne: { filter: guardOf(prev), replacement: toDocument(next) },
    }));
    const result = await collection.bulkWrite(ops, { ordered: false });
    if (result.matchedCount === writes.length) return [];
    // The result has no per-statement counts: read back which ones hold their new state.
    const ids = writes.map((w) => w.next.view.id);
    const now = new Map((await collection.find({ _id: { $in: ids } }).toArray()).map((d) => [d._id, d]));
    return writes.filter((w) => !sameState(now.get(w.next.view.id), w.next)).map((w) => w.next.view.id);
  }

  private async resolve(): Promise<Collection<TaskDocument>> {
    const pointer = await readPointer(this.db, this.name);
    const name = pointer?.collection ?? this.name;
    if (this.live?.collectionName !== name) {
      const collection = this.db.collection<TaskDocument>(name);
      // First use of a rebuilt collection: bring over what was written to the old one after the
      // rebuild's snapshot (by this process, or by whoever owned the partitions before it).
      const copied = pointer?.previous ? await catchUp(this.db.collection<TaskDocument>(pointer.previous), collection, pointer.rebuiltUpTo) : 0;
      if (this.live) this.options.onSwitch?.(this.live.collectionName, name, copied);
      this.live = collection;
    }
    this.checkedAt = this.now();
    return this.live;
  }
}

const newer = (a: TaskDocument, than: TaskDocument | undefined): boolean =>
  !than || (a.sourcePartition === than.sourcePartition ? a.sourceOffset > than.sourceOffset : a.version > than.version);

/**
 * Copies into `to` the documents of `from` that record events at or after the rebuild's end
 * offsets and are newer than `to`'s, each with a guarded write. Idempotent; returns how many it
 * copied.
 */
export async function catchUp(from: Collection<TaskDocument>, to: Collection<TaskDocument>, rebuiltUpTo: readonly Position[]): Promise<number> {
  if (rebuiltUpTo.length === 0) return 0;
  const candidates = await from.find({ $or: rebuiltUpTo.map(({ partition, offset }) => ({ sourcePartition: partition, sourceOffset: { $gte: offset } })) }).toArray();
  if (candidates.length === 0) return 0;
  const existing = new Map((await to.find({ _id: { $in: candidates.map((d) => d._id) } }).toArray()).map((d) => [d._id, d]));
  let copied = 0;
  for (const doc of candidates) {
    const current = existing.get(doc._id);
    if (!newer(doc, current)) continue;
    if (current) {
      const { matchedCount } = await to.replaceOne({ _id: doc._id, version: current.version, sourcePartition: current.sourcePartition, sourceOffset: current.sourceOffset }, doc);
      copied += matchedCount;
    } else {
      try {
        await to.insertOne(doc);
        copied++;
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
      }
    }
  }
  return copied;
}
