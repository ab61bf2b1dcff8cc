// task-view: folds task-events into the `tasks` view (see fold.ts for the idempotency rules and
// view-store.ts for the documents) and forwards one TaskViewChange per event to task-views, in
// the transaction that commits the event's offset. The gateway awaits that record for
// read-your-writes; the bridge pushes it to the user's devices.
//
// The database write happens in endBatch(), before the runtime commits the batch: a crash
// between the two leaves the write in place and the event uncommitted, and the redelivered
// event is then recognised by its position and not applied again. Its first 'applied' record
// was in the aborted transaction, which read_committed readers never see, so it is announced
// 'applied' again: by this process from the outcomes it kept (`written`), by a new owner of the
// partition from the offsets the document records its events at (fold.ts).
import { Counter, type Registry } from 'prom-client';
import { TransientError } from '../../../platform/index.js';
import { taskEventFromWire, type TaskEvent, type TaskViewChange } from '../../../domain/events.js';
import type { TaskEvent as TaskEventWire } from '../../../contracts/avro/generated/avro-types.js';
import type { InputRecord, Processor, ProcessorContext } from '../../runtime/index.js';
import { decodeEvent } from '../decode.js';
import { foldEvent, viewChange, type FoldResult, type Position, type StoredTask } from './fold.js';
import type { TaskViewStore, TaskWrite } from './view-store.js';

/** A batch's grouped write lost a race with another writer: the runtime retries the whole batch. */
export class WriteConflictError extends TransientError {
  constructor(readonly taskIds: string[]) {
    super('WRITE_CONFLICT', `the writes of tasks ${taskIds.join(', ')} lost a race with another writer`);
  }
}

/**
 * The reason on task-views for an event that was dead-lettered rather than folded: the gateway
 * answers its write 422 EVENT_UNPROCESSABLE at once.
 */
export const UNPROCESSABLE = 'UNPROCESSABLE';


/**
 * The runtime's batch hooks, always present here: one load for all the batch's tasks before its
 * first process(), and one grouped write after its last, before the transaction commits (7x the
 * throughput of a read and a write per event on FerretDB, see bench/views.bench.ts).
 */
type BatchHooks = Required<Pick<Processor, 'beginBatch' | 'endBatch' | 'batchCommitted'>>;

export interface TaskViewProcessorOptions {
  store: TaskViewStore;
  /** Consumer group and transactional-id prefix. */
  name?: string;
  /**
   * Tasks kept in memory between events. The processor is the only writer of its partitions'
   * tasks, so an entry is almost always current; a stale one (after a rebalance) only makes
   * its guarded write lose, and the task is read again.
   */
  cacheSize?: number;
  registry?: Registry;
  close?: () => Promise<void> | void;
}

interface Batch {
  /** Each task as stored before the batch (null: no document). */
  before: Map<string, StoredTask | null>;
  /** Each task after the batch's events so far; only tasks that changed. */
  after: Map<string, StoredTask>;
  /** The outcome of each event folded so far, by offset: kept once its batch is written. */
  changes: Map<number, TaskViewChange>;
}

/**
 * The outcomes of a partition's last written batch, by offset. Its database write is done before
 * the runtime's transaction commits; when that transaction fails (a broker away, a fenced
 * producer), the runtime redoes the batch, and folding it again would find every change already
 * stored and announce `duplicate`: the writers would wait out read-your-writes and devices would
 * never hear of the change. The redone batch announces what the first pass decided instead.
 */
interface Written {
  firstOffset: number;
  lastOffset: number;
  changes: Map<number, TaskViewChange>;
}

function decode(record: InputRecord): { event: TaskEvent; at: Position } {
  return { event: decodeEvent(record, taskEventFromWire), at: { partition: record.partition, offset: Number(record.offset) } };
}

export type TaskViewProcessor = Processor & BatchHooks;

export function taskViewProcessor(options: TaskViewProcessorOptions): TaskViewProcessor {
  const { store, cacheSize = 10_000 } = options;
  const cache = new Map<string, StoredTask>();
  const batches = new Map<number, Batch>();
  const written = new Map<number, Written>();
  /** Tasks whose write lost a race: read them before the next batch that touches them. */
  const suspects = new Set<string>();
  const registers = options.registry ? [options.registry] : [];
  const outcomes = new Counter({
    name: 'task_view_events_total',
    help: 'Task events folded into the view, by outcome',
    labelNames: ['outcome'],
    registers,
  });
  const conflicts = new Counter({ name: 'task_view_write_conflicts_total', help: 'Guarded view writes that lost a race', registers });

  const remember = (task: StoredTask) => {
    cache.delete(task.view.id);
    cache.set(task.view.id, task);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
  };

  async function current(taskId: string): Promise<StoredTask | null> {
    const cached = cache.get(taskId);
    if (cached) return cached;
    const task = (await store.load([taskId])).get(taskId) ?? null;
    if (task) remember(task);
    return task;
  }

  async function write(writes: TaskWrite[]): Promise<string[]> {
    let lost: string[];
    try {
      lost = await store.write(writes);
    } catch (err) {
      // Unknown which writes landed: read them again next time.
      for (const { next } of writes) cache.delete(next.view.id);
      throw err;
    }
    const losers = new Set(lost);
    for (const { next } of writes) {
      if (losers.has(next.view.id)) cache.delete(next.view.id);
      else remember(next);
    }
    return lost;
  }

  /** One event of an open batch: folded in memory; endBatch writes. */
  async function foldInBatch(batch: Batch, event: TaskEvent, at: Position): Promise<FoldResult> {
    const id = event.taskId;
    if (!batch.before.has(id)) batch.before.set(id, await current(id));
    const result = foldEvent(batch.after.get(id) ?? batch.before.get(id) ?? null, event, at);
    if (result.next) batch.after.set(id, result.next);
    return result;
  }

  return {
    name: options.name ?? 'task-view',
    inputs: ['task-events'],
    outputs: ['task-views'],

    async process(record: InputRecord, ctx: ProcessorContext) {
      const { event, at } = decode(record);
      const batch = batches.get(ctx.partition);
      if (!batch) throw new Error('task-view folds inside batches: call beginBatch first (the runtime does)');
      const decided = written.get(ctx.partition)?.changes.get(at.offset);
      if (decided?.eventId === event.eventId) {
        // A redo of a written batch whose announcement never committed: announce it now.
        outcomes.inc({ outcome: 'reannounced' });
        batch.changes.set(at.offset, decided);
        ctx.forward({ topic: 'task-views', key: event.userId, value: decided });
        return;
      }
      const result = await foldInBatch(batch, event, at);
      outcomes.inc({ outcome: result.redelivered ? 'reannounced' : result.outcome });
      const change = viewChange(event, at, result);
      batch.changes.set(at.offset, change);
      ctx.forward({ topic: 'task-views', key: event.userId, value: change });
    },

    async beginBatch(records, { partition }) {
      const ids = new Set<string>();
      // A task the batch creates is almost never stored yet: it is not read first. Its insert
      // then loses only if it exists after all, the batch is redone, and this time it is read.
      const created = new Set<string>();
      for (const record of records) {
        const { taskId: id, type } = (record.value ?? {}) as { taskId?: unknown; type?: unknown };
        if (typeof id !== 'string' || ids.has(id)) continue;
        ids.add(id);
        if (type === 'TaskCreated' && !suspects.has(id)) created.add(id);
      }
      const missing = [...ids].filter((id) => !cache.has(id) && !created.has(id));
      const loaded = await store.load(missing);
      for (const id of missing) suspects.delete(id);
      const before = new Map<string, StoredTask | null>();
      for (const id of ids) before.set(id, cache.get(id) ?? loaded.get(id) ?? null);
      for (const task of loaded.values()) remember(task);
      batches.set(partition, { before, after: new Map(), changes: new Map() });
    },

    batchCommitted({ partition }) {
      // Announced for good: a redelivery from now on is a duplicate, as the fold says.
      written.delete(partition);
    },

    async endBatch({ partition }) {
      const batch = batches.get(partition);
      batches.delete(partition);
      if (!batch) return;
      const remembered = () => {
        const offsets = [...batch.changes.keys()];
        if (offsets.length === 0) return;
        // Until the batch commits (batchCommitted): a batch run again one record at a time adds
        // to the batch it is part of.
        const previous = written.get(partition);
        const changes = previous ? new Map([...previous.changes, ...batch.changes]) : batch.changes;
        const all = [...changes.keys()];
        written.set(partition, { firstOffset: Math.min(...all), lastOffset: Math.max(...all), changes });
      };
      if (batch.after.size === 0) {
        remembered();
        return;
      }
      const writes = [...batch.after].map(([id, next]) => ({ prev: batch.before.get(id) ?? null, next }));
      const lost = await write(writes);
      // The batch's outputs were computed from a state someone else changed: redo it all.
      if (lost.length > 0) {
        for (const id of lost) suspects.add(id);
        conflicts.inc(lost.length);
        throw new WriteConflictError(lost);
      }
      remembered();
    },

    /**
     * A task event dead-lettered (the database refused its document for good, its output was too
     * large, it broke a rule): its writer is told at once, as a rejection with the failure's
     * code, instead of waiting out its read-your-writes timeout. Nothing was written for it.
     */
    deadLettered(failure, ctx) {
      outcomes.inc({ outcome: 'dead_lettered' });
      // The envelope alone (the payload may be what is broken); undecodable bytes have none, and
      // nobody can be waiting for an event id nobody can read.
      const wire = failure.record?.value as Partial<TaskEventWire> | undefined;
      if (!wire || typeof wire.eventId !== 'string' || typeof wire.userId !== 'string' || typeof wire.taskId !== 'string') return;
      const change: TaskViewChange = {
        eventId: wire.eventId,
        eventType: String(wire.type),
        userId: wire.userId,
        taskId: wire.taskId,
        occurredAt: Number(wire.occurredAt),
        outcome: 'rejected',
        reason: UNPROCESSABLE,
        message: `${failure.code}: ${failure.message}`.slice(0, 500),
        view: null,
        sourcePartition: failure.partition,
        sourceOffset: Number(failure.offset),
      };
      ctx.forward({ topic: 'task-views', key: wire.userId, value: change });
    },

    async close() {
      await options.close?.();
    },
  };
}
