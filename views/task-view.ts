// The `tasks` view in MongoDB (FerretDB locally): the documents, their indexes and which
// collection is live after a rebuild: what its readers and its one writer share. The writer (the
// guarded writes, the store the task-view processor writes through, the catch-up after a
// rebuild) is streams/processors/task-view/view-store.ts; lint keeps everyone else from it.
//
// A document is the domain TaskView plus `_id` (= taskId) and storage-only fields:
//   priorityRank      high=0, medium=1, low=2: `sort=priority` sorts on it (an enum does not sort)
//   sourcePartition,  where in task-events the task's last recorded event is (fold.ts): the
//   sourceOffset      idempotency guard, and the exact previous state a write is guarded by
//   recentEventIds    the ids of the last applied events (fold.ts)
//   recentEventOffsets  the offsets they were applied from (fold.ts; absent in older documents)
//   rejectedEvents    the last rejected events with their reasons (fold.ts)
// Readers strip them with readTaskView(). Deleted tasks stay, as status 'deleted' tombstones:
// GET answers 404 for them, and they keep later events for the id rejected.
//
// Writes (view-store.ts): there are no transactions, every write is one guarded document write. An update replaces the
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
import type { Collection, Db, IndexDescription } from 'mongodb';
import type { Priority } from '../domain/events.js';
import type { TaskView } from '../domain/task.js';
import type { Position, RejectedEvent } from '../streams/processors/task-view/fold.js';

export interface TaskDocument extends TaskView {
  _id: string;
  priorityRank: number;
  sourcePartition: number;
  sourceOffset: number;
  recentEventIds: string[];
  /** Absent in documents written before it existed. */
  recentEventOffsets?: number[];
  rejectedEvents: RejectedEvent[];
}

export type StorageField = Exclude<keyof TaskDocument, keyof TaskView>;
export const STORAGE_FIELDS = ['_id', 'priorityRank', 'sourcePartition', 'sourceOffset', 'recentEventIds', 'recentEventOffsets', 'rejectedEvents'] as const satisfies readonly StorageField[];

export const PRIORITY_RANK: Record<Priority, number> = { high: 0, medium: 1, low: 2 };

/** The domain view of a stored document: what every reader should hand on. */
export function readTaskView(doc: TaskDocument): TaskView {
  const view = { ...doc } as Partial<TaskDocument>;
  for (const field of STORAGE_FIELDS) delete view[field];
  return view as TaskView;
}

/**
 * The read API's queries (gateway/task-query.ts) are all scoped to one user and sort by
 * createdAt, priorityRank or dueAt with createdAt and _id as tie-breakers (descending sorts walk
 * the same index backwards); each index is the user, then a sort's keys. Their status filter
 * only leaves tombstones out, too unselective to lead an index. A tag filter ($all) and a
 * completed range get an index of their own; keyword search is a $regex within the user's
 * tasks (FerretDB has no text index). One list: the writer creates them (view-store.ts) and
 * the query planner's plans (gateway/task-query.ts) are shaped to them.
 */
export const TASK_INDEXES: IndexDescription[] = [
  { name: 'list_by_createdAt', key: { userId: 1, createdAt: -1, _id: -1 } },
  { name: 'list_by_priority', key: { userId: 1, priorityRank: 1, createdAt: -1, _id: -1 } },
  { name: 'list_by_dueAt', key: { userId: 1, dueAt: 1, createdAt: -1, _id: -1 } },
  { name: 'list_by_tag', key: { userId: 1, tags: 1, createdAt: -1, _id: -1 } },
  { name: 'list_by_completedAt', key: { userId: 1, completedAt: -1, _id: -1 } },
];

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
