// The task view's fold made idempotent without transactions. Pure: the processor, the rebuild
// and the tests share it, so a rebuilt view is the same, field for field, as the live one.
//
// The domain fold (applyTaskEvent) knows only the task's last event id. Here each stored task
// also remembers where in task-events its last write came from and the ids of its recent
// events, so that an event is decided once however often it is delivered:
//   - a redelivery after an aborted transaction or a crash comes at a position the task has
//     already recorded (same partition, offset <= sourceOffset): it is never applied again. An
//     applied event found again at the very offset it was applied from had its announcement in
//     the transaction that never committed (offsets and announcements commit together, so a
//     committed one is never redelivered): it is announced `applied` again, once more;
//   - a duplicate (the same eventId produced twice, e.g. by an outbox relay) is recognised by id;
//   - a rejected event is recorded too, so its redelivery reports the same rejection instead of
//     being judged again against a state that later events have changed (except where judging
//     again cannot differ: no such task, or a deleted one).
import type { TaskEvent, TaskViewChange, TaskViewOutcome } from '../../../domain/events.js';
import { applyTaskEvent, toSnapshot, type RejectReason, type TaskView } from '../../../domain/task.js';

/** An event's place in task-events. */
export interface Position {
  partition: number;
  offset: number;
}

export interface RejectedEvent {
  eventId: string;
  reason: RejectReason;
  message: string;
}

/** A task as the view stores it: the domain view plus what makes writes idempotent. */
export interface StoredTask {
  view: TaskView;
  /** Position of the last event recorded in this task (applied, or rejected and remembered). */
  position: Position;
  /** Ids of the last applied events, oldest first. */
  recentEventIds: string[];
  /**
   * The offsets (in `position.partition`: a task's events share its user's partition) the
   * recent events were applied from, aligned with recentEventIds from the newest end: documents
   * written before this field existed have fewer (none), and their events count as unknown.
   */
  recentEventOffsets: number[];
  /** The last rejected events, oldest first. */
  rejectedEvents: RejectedEvent[];
}

/**
 * How many ids each task remembers. A redelivery is caught by its position whatever these are;
 * the windows only let it report the outcome it first had, so they must outlast one uncommitted
 * batch's events of a single task (and the distance at which a producer re-sends a duplicate).
 * With batch writes a batch holds up to maxBatchSize events, and the SIGKILL crash test showed
 * a task with more than 4 rejections in one batch: 32 each covers that workload with room to
 * spare, for about 2 KB per document. A task with more events than this in one uncommitted
 * batch has its redelivered rejections reported as duplicates; nothing is applied twice.
 */
export const RECENT_EVENT_IDS = 32;
export const REJECTED_EVENTS = 32;

export interface FoldResult {
  outcome: TaskViewOutcome;
  reason: RejectReason | null;
  message: string | null;
  /** The task as the view holds it after the event; null when the user has no such task. */
  view: TaskView | null;
  /** The task's new stored state, or null when nothing is to be written. */
  next: StoredTask | null;
  /**
   * An event the task had applied, delivered again from the offset it was applied from: its
   * first announcement died with an uncommitted transaction, so it is announced `applied` now,
   * with the task as stored (the view after its last recorded event, which may be later).
   */
  redelivered?: true;
}

const keepLast = <T>(items: readonly T[], item: T, size: number): T[] => [...items, item].slice(-size);

const duplicate = (stored: StoredTask): FoldResult => ({ outcome: 'duplicate', reason: null, message: null, view: stored.view, next: null });

/** Whether the task applied its `index`-th recent event from exactly `at`. */
function appliedFrom(stored: StoredTask, index: number, at: Position): boolean {
  const aligned = index - (stored.recentEventIds.length - stored.recentEventOffsets.length);
  return aligned >= 0 && at.partition === stored.position.partition && stored.recentEventOffsets[aligned] === at.offset;
}

/** Decides what `event`, found at `at`, does to the stored task (null when there is none). */
export function foldEvent(stored: StoredTask | null, event: TaskEvent, at: Position): FoldResult {
  // Another user's task id: the event's author has no such task, and learns nothing of it.
  if (stored && stored.view.userId !== event.userId) {
    return { outcome: 'rejected', reason: 'NOT_FOUND', message: `task ${event.taskId} does not exist`, view: null, next: null };
  }
  if (stored) {
    const applied = stored.recentEventIds.lastIndexOf(event.eventId);
    if (applied >= 0) {
      // The same delivery again (its announcement never committed), or another copy of the
      // event at a new position (a producer's re-send), which is a duplicate.
      if (!appliedFrom(stored, applied, at)) return duplicate(stored);
      return { outcome: 'applied', reason: null, message: null, view: stored.view, next: null, redelivered: true };
    }
    const earlier = stored.rejectedEvents.find((r) => r.eventId === event.eventId);
    if (earlier) return { outcome: 'rejected', reason: earlier.reason, message: earlier.message, view: stored.view, next: null };
    if (at.partition === stored.position.partition && at.offset <= stored.position.offset) {
      // A position this task has moved past, under an id its windows no longer hold: it was
      // processed before, and applying it again is the one thing that must not happen. Whether
      // it applied then is no longer known; most events do, so it is reported as a duplicate.
      return duplicate(stored);
    }
  }

  const result = applyTaskEvent(stored?.view ?? null, event);
  switch (result.outcome) {
    case 'applied': {
      const next: StoredTask = {
        view: result.view,
        position: at,
        recentEventIds: keepLast(stored?.recentEventIds ?? [], event.eventId, RECENT_EVENT_IDS),
        recentEventOffsets: keepLast(stored?.recentEventOffsets ?? [], at.offset, RECENT_EVENT_IDS),
        rejectedEvents: stored?.rejectedEvents ?? [],
      };
      return { outcome: 'applied', reason: null, message: null, view: result.view, next };
    }
    case 'duplicate':
      return duplicate(stored!);
    case 'rejected': {
      // Not remembered where judging it again gives the same answer: a task that does not exist
      // (no document to remember it in) is still not found, and a tombstone never changes (so
      // it writes nothing for the events that keep coming to it, and its position stays the
      // delete's: nothing after that position ever applied).
      const next: StoredTask | null =
        stored && stored.view.status !== 'deleted'
          ? {
            ...stored,
            position: at,
              rejectedEvents: keepLast(stored.rejectedEvents, { eventId: event.eventId, reason: result.reason, message: result.message }, REJECTED_EVENTS),
            }
          : null;
      return { outcome: 'rejected', reason: result.reason, message: result.message, view: stored?.view ?? null, next };
    }
  }
}

/** The task-views record announcing what `event` did. */
export function viewChange(event: TaskEvent, at: Position, result: FoldResult): TaskViewChange {
  return {
    eventId: event.eventId,
    eventType: event.type,
    userId: event.userId,
    taskId: event.taskId,
    occurredAt: event.occurredAt,
    outcome: result.outcome,
    reason: result.reason,
    message: result.message,
    view: result.view ? toSnapshot(result.view) : null,
    sourcePartition: at.partition,
    sourceOffset: at.offset,
  };
}
