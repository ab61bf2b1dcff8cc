// recurrence: generates the instances of recurring tasks. It folds task-events (with the views'
// own fold, so it agrees with them on every rejected or duplicate event) and the user's time zone
// from user-events into state stores, and decides with domain/recurrence.ts when a series' next
// instance is due: at an instance's completion (on_completion) or at the occurrence's time, by a
// wall-clock punctuator over a due-by-time store (on_schedule). The next instance's TaskCreated
// (to task-events) and its RecurringTaskGenerated (to recurrences) commit in one transaction with
// the store writes that record them, and carry ids derived from the series and the occurrence:
// a redone transaction, or completing, reopening and completing again, never makes a second one.
//
//   task-events ─┐                  ┌─▶ task-events: TaskCreated of the next instance
//   user-events ─┴─▶ tasks, series, ├─▶ recurrences: RecurringTaskGenerated / OccurrenceSkipped /
//                    users          │                RecurrenceEnded
//                    due (by time) ─┘   (punctuator, on_schedule)
import type { Logger } from 'pino';
import { recurrenceEventToWire, taskEventFromWire, taskEventToWire, userEventFromWire, type Recurrence, type RecurrenceEvent, type TaskEvent } from '../../../domain/events.js';
import {
  nextInstanceFields,
  nextOccurrence,
  occurrenceIds,
  recurrenceEventId,
  stepOnCompletion,
  stepOnSchedule,
  type EndReason,
  type NextOccurrence,
  type RecurrenceStep,
  type SeriesAnchor,
} from '../../../domain/recurrence.js';
import { createTask } from '../../../domain/task-commands.js';
import { applyTaskEvent, taskFieldsOf, type TaskView } from '../../../domain/task.js';
import { type InputRecord, type Processor, type ProcessorContext } from '../../runtime/index.js';
import { decodeEvent } from '../decode.js';

/** A task as the processor keeps it: the folded view, and the instance its completion generated. */
export interface InstanceEntry {
  view: TaskView;
  /** Set once this instance's completion created the next one: a second completion creates nothing. */
  nextTaskId: string | null;
}

/** The cause of what a series emits next: its causation and correlation ids. */
interface Cause {
  eventId: string;
  correlationId: string;
}

/** One series, kept small: where it starts, how far it got, which instance is the latest. */
export interface SeriesEntry {
  userId: string;
  seriesId: string;
  /** DTSTART: the first task's dueAt. Null while the first task is the only instance (read its dueAt, which may still be edited). */
  anchor: number | null;
  /** The last occurrence generated or skipped; null while the first task is the only instance. */
  cursor: number | null;
  /** The newest instance: the template of the next one, and the pending one on_schedule skips for. */
  latestTaskId: string;
  /** on_schedule: the occurrence armed in the `due` store. */
  timer: { at: number; ordinal: number } | null;
  ended: boolean;
  cause: Cause;
}

/** An armed on_schedule occurrence, keyed by its instant so the punctuator scans only what is due. */
export interface DueOccurrence {
  userId: string;
  seriesId: string;
  at: number;
}

export interface RecurrenceOptions {
  name?: string;
  /** How often armed on_schedule occurrences are looked for (default 1 s). */
  tickMs?: number;
  logger?: Pick<Logger, 'warn'>;
}

const DEFAULT_TIME_ZONE = 'UTC';
const ACTOR = 'system:recurrence';
const END_REASON = { count: 'COUNT', until: 'UNTIL', exhausted: 'EXHAUSTED', no_due_time: 'EXHAUSTED' } as const;

const entityKey = (userId: string, id: string) => `${userId}/${id}`;
/** Zero-padded so that key order is time order. */
const padTime = (at: number) => String(at).padStart(15, '0');
const dueKey = (at: number, userId: string, seriesId: string) => `${padTime(at)}|${entityKey(userId, seriesId)}`;

export function recurrenceProcessor(options: RecurrenceOptions = {}): Processor {
  const stores = (ctx: ProcessorContext) => ({
    tasks: ctx.store<InstanceEntry>('tasks'),
    series: ctx.store<SeriesEntry>('series'),
    due: ctx.store<DueOccurrence>('due'),
    users: ctx.store<{ timeZone: string }>('users'),
  });

  const zoneOf = (ctx: ProcessorContext, view: TaskView): string => view.timeZone ?? stores(ctx).users.get(view.userId)?.timeZone ?? DEFAULT_TIME_ZONE;

  /**
   * The domain refuses to scan a series further than a bound (FREQ=MINUTELY a year on): such a
   * series cannot go on, and retrying would block the partition forever, so it ends.
   */
  function bounded<T>(series: SeriesEntry, compute: () => T, ended: T): T {
    try {
      return compute();
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      options.logger?.warn({ err: error, seriesId: series.seriesId }, 'recurrence scan exhausted: the series ends');
      return ended;
    }
  }

  function emit(ctx: ProcessorContext, series: SeriesEntry, event: Pick<RecurrenceEvent, 'eventId' | 'type' | 'payload'>): void {
    const full = {
      ...event,
      occurredAt: ctx.now(),
      userId: series.userId,
      seriesId: series.seriesId,
      correlationId: series.cause.correlationId,
      causationId: series.cause.eventId,
      actor: ACTOR,
    } as RecurrenceEvent;
    ctx.forward({ topic: 'recurrences', key: series.userId, value: recurrenceEventToWire(full) });
  }

  function end(ctx: ProcessorContext, series: SeriesEntry, reason: EndReason | 'no_due_time' | 'cancelled', lastTaskId = series.latestTaskId): SeriesEntry {
    disarm(ctx, series);
    emit(ctx, series, {
      eventId: recurrenceEventId('RecurrenceEnded', series.seriesId, series.cursor ?? series.anchor ?? 0),
      type: 'RecurrenceEnded',
      payload: { taskId: lastTaskId, reason: reason === 'cancelled' ? 'CANCELLED' : END_REASON[reason] },
    });
    return { ...series, ended: true, timer: null };
  }

  function disarm(ctx: ProcessorContext, series: SeriesEntry): void {
    if (series.timer) stores(ctx).due.delete(dueKey(series.timer.at, series.userId, series.seriesId));
  }

  /** The series' DTSTART and zone; null when the first task has no due time to start from. */
  function anchorOf(ctx: ProcessorContext, series: SeriesEntry, latest: TaskView): SeriesAnchor | null {
    const firstDueAt = series.anchor ?? latest.dueAt;
    return firstDueAt === null ? null : { firstDueAt, timeZone: zoneOf(ctx, latest) };
  }

  /**
   * Emits the TaskCreated of the instance for occurrence `at`, copied from `previous`, and its
   * RecurringTaskGenerated; registers the instance at once, so that reading its TaskCreated back
   * is a duplicate and a punctuation before that already sees it pending.
   */
  function generate(ctx: ProcessorContext, series: SeriesEntry, previous: TaskView, anchor: SeriesAnchor, at: number): SeriesEntry {
    const { tasks } = stores(ctx);
    const ids = occurrenceIds(series.seriesId, at);
    const created = createTask(
      { userId: series.userId, correlationId: series.cause.correlationId, causationId: series.cause.eventId, actor: ACTOR, now: ctx.now(), newId: () => ids.eventId },
      ids.taskId,
      nextInstanceFields(taskFieldsOf(previous), at, anchor.timeZone),
      { seriesId: series.seriesId, source: 'recurrence' },
    );
    ctx.forward({ topic: 'task-events', key: series.userId, value: taskEventToWire(created) });
    emit(ctx, series, {
      eventId: recurrenceEventId('RecurringTaskGenerated', series.seriesId, at),
      type: 'RecurringTaskGenerated',
      payload: { previousTaskId: previous.id, nextTaskId: ids.taskId, occurrenceAt: at },
    });
    const registered = applyTaskEvent(null, created);
    if (registered.outcome === 'applied') tasks.put(entityKey(series.userId, ids.taskId), { view: registered.view, nextTaskId: null });
    // A deleted instance was kept only as the template of this one.
    if (previous.status === 'deleted') tasks.delete(entityKey(series.userId, previous.id));
    return { ...series, anchor: anchor.firstDueAt, cursor: at, latestTaskId: ids.taskId };
  }

  /**
   * Arms the series' next on_schedule occurrence as its latest instance now says (rule, mode, due
   * time, zone), or disarms it; ends the series when the rule has no further occurrence.
   */
  function replan(ctx: ProcessorContext, series: SeriesEntry): SeriesEntry {
    if (series.ended) return series;
    const latest = stores(ctx).tasks.get(entityKey(series.userId, series.latestTaskId))?.view;
    const rule = latest?.recurrence;
    const anchor = latest && anchorOf(ctx, series, latest);
    if (!rule || rule.mode !== 'on_schedule' || !anchor) {
      disarm(ctx, series);
      return { ...series, timer: null };
    }
    const next = bounded<NextOccurrence>(series, () => nextOccurrence(rule, anchor, series.cursor ?? anchor.firstDueAt), { outcome: 'ended', reason: 'exhausted' });
    if (next.outcome === 'ended') return end(ctx, series, next.reason);
    if (series.timer?.at === next.at && series.timer.ordinal === next.ordinal) return series;
    disarm(ctx, series);
    stores(ctx).due.put(dueKey(next.at, series.userId, series.seriesId), { userId: series.userId, seriesId: series.seriesId, at: next.at });
    return { ...series, timer: { at: next.at, ordinal: next.ordinal } };
  }

  /** on_completion: the completed instance's rule, as folded at this completion, decides. */
  function onCompleted(ctx: ProcessorContext, series: SeriesEntry, entry: InstanceEntry, rule: Recurrence): SeriesEntry {
    const { view } = entry;
    const anchor = anchorOf(ctx, series, view);
    const step = anchor
      ? bounded<RecurrenceStep>(series, () => stepOnCompletion(rule, anchor, view.dueAt), { action: 'end', reason: 'exhausted' })
      : ({ action: 'end', reason: 'no_due_time' } as const);
    if (step.action === 'end') return end(ctx, series, step.reason, view.id);
    // An occurrence at or before the cursor exists already (an older instance completed late).
    if (step.action !== 'create' || !anchor || (series.cursor !== null && step.at <= series.cursor)) return series;
    const next = generate(ctx, series, view, anchor, step.at);
    stores(ctx).tasks.put(entityKey(view.userId, view.id), { ...entry, nextTaskId: next.latestTaskId });
    return next;
  }

  function onTaskEvent(record: InputRecord, ctx: ProcessorContext): void {
    const event = decodeEvent(record, taskEventFromWire);
    const { tasks, series: allSeries } = stores(ctx);
    const key = entityKey(event.userId, event.taskId);
    const stored = tasks.get(key);
    const result = applyTaskEvent(stored?.view ?? null, event);
    if (result.outcome !== 'applied') return;
    const { view } = result;
    const entry: InstanceEntry = { view, nextTaskId: stored?.nextTaskId ?? null };
    // A first task with a recurrence starts the series named by its own id; instances carry it.
    const seriesId = view.seriesId ?? view.id;
    const seriesKey = entityKey(view.userId, seriesId);
    let series = allSeries.get(seriesKey) ?? (view.recurrence && !view.seriesId ? newSeries(view, event) : undefined);

    if (view.status === 'deleted' && series?.latestTaskId !== view.id) tasks.delete(key);
    else tasks.put(key, entry);
    if (!series || series.ended) return;

    series = { ...series, cause: { eventId: event.eventId, correlationId: event.correlationId } };
    series = onSeriesEvent(ctx, series, entry, event);
    allSeries.put(seriesKey, series);
  }

  function onSeriesEvent(ctx: ProcessorContext, series: SeriesEntry, entry: InstanceEntry, event: TaskEvent): SeriesEntry {
    const { view } = entry;
    const isLatest = view.id === series.latestTaskId;
    switch (event.type) {
      case 'RecurrenceCancelled':
        return end(ctx, series, 'cancelled');
      case 'TaskCompleted':
        return view.recurrence?.mode === 'on_completion' && entry.nextTaskId === null ? onCompleted(ctx, series, entry, view.recurrence) : series;
      case 'TaskUpdated':
        // Taking the recurrence away from the newest instance stops the series like a cancel.
        if (isLatest && view.recurrence === null) return end(ctx, series, 'cancelled');
        return isLatest ? replan(ctx, series) : series;
      default:
        return isLatest ? replan(ctx, series) : series;
    }
  }

  function newSeries(view: TaskView, event: TaskEvent): SeriesEntry {
    return {
      userId: view.userId,
      seriesId: view.id,
      anchor: null,
      cursor: null,
      latestTaskId: view.id,
      timer: null,
      ended: false,
      cause: { eventId: event.eventId, correlationId: event.correlationId },
    };
  }

  function onUserEvent(record: InputRecord, ctx: ProcessorContext): void {
    const event = decodeEvent(record, userEventFromWire);
    if (event.type !== 'UserSettingsChanged') return;
    const { series: allSeries, users } = stores(ctx);
    const timeZone = event.payload.settings.timeZone;
    if (users.get(event.userId)?.timeZone === timeZone) return;
    users.put(event.userId, { timeZone });
    // Series whose instances have no zone of their own follow the user's: their timers may move.
    const cause = { eventId: event.eventId, correlationId: event.correlationId };
    for (const [key, series] of [...allSeries.range(`${event.userId}/`, `${event.userId}/\uffff`)]) {
      if (series.ended || !series.timer) continue;
      allSeries.put(key, replan(ctx, { ...series, cause }));
    }
  }

  /** on_schedule: each armed occurrence due by now creates its instance, or is skipped. */
  function fireDue(ctx: ProcessorContext): void {
    const { tasks, series: allSeries, due } = stores(ctx);
    for (const [key, armed] of [...due.range('', `${padTime(ctx.now())}|\uffff`)]) {
      due.delete(key);
      const seriesKey = entityKey(armed.userId, armed.seriesId);
      const series = allSeries.get(seriesKey);
      if (!series || series.ended || series.timer?.at !== armed.at) continue;
      const latest = tasks.get(entityKey(series.userId, series.latestTaskId))?.view;
      const anchor = latest && anchorOf(ctx, series, latest);
      if (!latest?.recurrence || !anchor) {
        allSeries.put(seriesKey, { ...series, timer: null });
        continue;
      }
      const occurrence = { at: series.timer.at, ordinal: series.timer.ordinal };
      const step = stepOnSchedule(latest.recurrence, occurrence, latest.status === 'pending');
      let next: SeriesEntry = { ...series, timer: null };
      if (step.action === 'create') {
        next = generate(ctx, next, latest, anchor, occurrence.at);
      } else if (step.action === 'skip') {
        emit(ctx, next, {
          eventId: recurrenceEventId('OccurrenceSkipped', series.seriesId, occurrence.at),
          type: 'OccurrenceSkipped',
          payload: { occurrenceAt: occurrence.at, pendingTaskId: latest.id },
        });
        next = { ...next, anchor: anchor.firstDueAt, cursor: occurrence.at };
      }
      allSeries.put(seriesKey, replan(ctx, next));
    }
  }

  return {
    name: options.name ?? 'recurrence',
    inputs: ['task-events', 'user-events'],
    outputs: ['task-events', 'recurrences'],
    stores: [{ name: 'tasks' }, { name: 'series' }, { name: 'due' }, { name: 'users' }],
    init(ctx) {
      ctx.schedule(options.tickMs ?? 1000, fireDue);
    },
    process(record, ctx) {
      if (record.topic === 'task-events') onTaskEvent(record, ctx);
      else if (record.topic === 'user-events') onUserEvent(record, ctx);
    },
  };
}
