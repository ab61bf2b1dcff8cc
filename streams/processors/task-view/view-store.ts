// The `tasks` view in MongoDB (FerretDB locally): the documents, their indexes, guarded writes,
// and which collection is live after a rebuild.
//
// A document is the domain TaskView plus `_id` (= taskId) and storage-only fields:
//   priorityRank      high=0, medium=1, low=2: `sort=priority` sorts on it (an enum does not sort)
//   sourcePartition,  where in task-events the task's last recorded event is (fold.ts): the
//   sourceOffset      idempotency guard, and the exact previous state a write is guarded by
//   recentEventIds    the ids of the last applied events (fold.ts)
//   rejectedEvents    the last rejected events with their reasons (fold.ts)
// Readers strip them with readTaskView(). Deleted tasks stay, as status 'deleted' tombstones:
// GET answers 404 for them, and they keep later events for the id rejected.
//
// There are no transactions: every write is one guarded document write. An update replaces the
// document only if it still holds the state the event was folded onto (its version and source
// position); a create inserts, and a duplicate key means someone else created it. Either way a
// lost race is reported back, never overwritten, and the caller re-reads and decides again.
//
// FerretDB 1.24 constraints that shape this file:
//   - An update command holds one backend connection per statement that matched a document
//     until the whole command ends (internal/handler/msg_update.go defers each statement's
//     close), and the pool has 50 (PostgreSQL) or 100 (SQLite) connections: a bulkWrite with
//     that many replaces of existing documents deadlocks the whole server. Updates therefore go
//     in commands of at most MAX_UPDATES_PER_COMMAND statements. Inserts have no such limit.
//   - renameCollection has no dropTarget, so a rebuilt collection cannot atomically replace the
//     live one. The live collection is named by a pointer document in `views_meta`
//     ({ _id: <logical name>, collection, previous, rebuiltUpTo }) that writers and readers
//     resolve (resolveViewCollection, liveViewCollection); without a pointer the logical name
//     itself is live.
//   - createIndexes of several indexes that all exist already panics the connection: indexes
//     are created one per command, only those missing.
//   - It pushes down only top-level equality filters (as jsonb containment, which its btree
//     indexes cannot serve) and no sorts or ranges: the indexes serve MongoDB in production; on
//     FerretDB they only cost write time (about a quarter of an update's, measured).
import { MongoServerError, type AnyBulkWriteOperation, type Collection, type Db, type IndexDescription } from 'mongodb';
import type { Priority } from '../../../domain/events.js';
import type { TaskView } from '../../../domain/task.js';
import type { Position, RejectedEvent, StoredTask } from './fold.js';

export interface TaskDocument extends TaskView {
  _id: string;
  priorityRank: number;
  sourcePartition: number;
  sourceOffset: number;
  recentEventIds: string[];
  rejectedEvents: RejectedEvent[];
}

export type StorageField = Exclude<keyof TaskDocument, keyof TaskView>;
export const STORAGE_FIELDS = ['_id', 'priorityRank', 'sourcePartition', 'sourceOffset', 'recentEventIds', 'rejectedEvents'] as const satisfies readonly StorageField[];

export const PRIORITY_RANK: Record<Priority, number> = { high: 0, medium: 1, low: 2 };

export function toDocument({ view, position, recentEventIds, rejectedEvents }: StoredTask): TaskDocument {
  return {
    ...view,
    _id: view.id,
    priorityRank: PRIORITY_RANK[view.priority] ?? PRIORITY_RANK.medium,
    sourcePartition: position.partition,
    sourceOffset: position.offset,
    recentEventIds,
    rejectedEvents,
  };
}

/** The domain view of a stored document: what every reader should hand on. */
export function readTaskView(doc: TaskDocument): TaskView {
  const view = { ...doc } as Partial<TaskDocument>;
  for (const field of STORAGE_FIELDS) delete view[field];
  return view as TaskView;
}

export function fromDocument(doc: TaskDocument): StoredTask {
  return {
    view: readTaskView(doc),
    position: { partition: doc.sourcePartition, offset: doc.sourceOffset },
    recentEventIds: doc.recentEventIds,
    rejectedEvents: doc.rejectedEvents,
  };
}

/**
 * The read API's queries (gateway/task-query.ts) are all scoped to one user and sort by
 * createdAt, priorityRank or dueAt with createdAt and _id as tie-breakers (descending sorts walk
 * the same index backwards); each index is the user, then a sort's keys. Their status filter
 * only leaves tombstones out, too unselective to lead an index. A tag filter ($all) and a
 * completed range get an index of their own; keyword search is a $regex within the user's
 * tasks (FerretDB has no text index). The first three match gateway's TASK_LIST_INDEXES name
 * for name and key for key, so either side creating them is a no-op for the other.
 */
export const TASK_INDEXES: IndexDescription[] = [
  { name: 'list_by_createdAt', key: { userId: 1, createdAt: -1, _id: -1 } },
  { name: 'list_by_priority', key: { userId: 1, priorityRank: 1, createdAt: -1, _id: -1 } },
  { name: 'list_by_dueAt', key: { userId: 1, dueAt: 1, createdAt: -1, _id: -1 } },
  { name: 'list_by_tag', key: { userId: 1, tags: 1, createdAt: -1, _id: -1 } },
  { name: 'list_by_completedAt', key: { userId: 1, completedAt: -1, _id: -1 } },
];

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

// ---- which collection is live ----

export const VIEWS_META = 'views_meta';

export interface ViewPointer {
  _id: string; // the logical name, e.g. 'tasks'
  collection: string;
  /** The collection that was live before: the processor copies what it wrote there after the rebuild's snapshot. */
  previous: string | null;
  /** Per partition, the offset up to which (exclusive) the rebuild read task-events. */
  rebuiltUpTo: Position[];
  swappedAt: number;
}

export async function readPointer(db: Db, logicalName: string): Promise<ViewPointer | null> {
  return db.collection<ViewPointer>(VIEWS_META).findOne({ _id: logicalName });
}

/** The collection readers should query for `logicalName` (e.g. 'tasks'). */
export async function resolveViewCollection(db: Db, logicalName: string): Promise<Collection<TaskDocument>> {
  const pointer = await readPointer(db, logicalName);
  return db.collection<TaskDocument>(pointer?.collection ?? logicalName);
}

/** For readers (the gateway): the live collection, resolved again at most every `ttlMs`. */
export function liveViewCollection(db: Db, logicalName: string, { ttlMs = 1000, now = Date.now } = {}): () => Promise<Collection<TaskDocument>> {
  let live: Collection<TaskDocument> | undefined;
  let checkedAt = -Infinity;
  return async () => {
    if (!live || now() - checkedAt >= ttlMs) {
      live = await resolveViewCollection(db, logicalName);
      checkedAt = now();
    }
    return live;
  };
}

// ---- the processor's access ----

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

/** See the file comment: bigger update commands can deadlock FerretDB. */
export const MAX_UPDATES_PER_COMMAND = 8;

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
    // toArray() drains the cursor: FerretDB holds a backend connection for an open one.
    const docs = await collection.find({ _id: { $in: ids } }, { batchSize: Math.max(ids.length, 2) }).toArray();
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
