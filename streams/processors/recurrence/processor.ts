// recurrence: generates the instances of recurring tasks. It folds task-events (with the views'
// own fold, so it agrees with them on every rejected or duplicate event) and the user's time zone
// from user-events into state stores; what a series does is decided by its pure decider
// (domain/recurrence-series.ts: decide/evolve). This file only wires it: it reads each command's
// facts from the stores, turns each decided event into output records and store writes, and keeps
// the evolved state. A wall-clock punctuator over a due-by-time store fires on_schedule
// occurrences. The next instance's TaskCreated (to task-events) and its RecurringTaskGenerated
// (to recurrences) commit in one transaction with the store writes that record them, and carry
// ids derived from the series and the occurrence: a redone transaction, or completing, reopening
// and completing again, never makes a second one.
//
//   task-events ─┐                  ┌─▶ task-events: TaskCreated of the next instance
//   user-events ─┴─▶ tasks, series, ├─▶ recurrences: RecurringTaskGenerated / OccurrenceSkipped /
//                    users          │                RecurrenceEnded
//                    due (by time) ─┘   (punctuator, on_schedule)
import type { Logger } from 'pino';
import { recurrenceEventToWire, taskEventFromWire, taskEventToWire, userEventFromWire } from '../../../domain/events.js';
import { decide, evolve, startSeries, type InstanceEntry, type SeriesCommand, type SeriesEvent, type SeriesState } from '../../../domain/recurrence-series.js';
import { applyTaskEvent } from '../../../domain/task.js';
import { type InputRecord, type Processor, type ProcessorContext } from '../../runtime/index.js';
import { decodeEvent } from '../decode.js';
import { DEFAULT_TIME_ZONE, dueUpTo, foldUserZone, timeKey, userKey, userRange } from '../plumbing.js';

export type { InstanceEntry } from '../../../domain/recurrence-series.js';
/** A series as the `series` store keeps it: the decider's state. */
export type SeriesEntry = SeriesState;

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

const entityKey = userKey;
const dueKey = (at: number, userId: string, seriesId: string) => `${timeKey(at)}|${entityKey(userId, seriesId)}`;

export function recurrenceProcessor(options: RecurrenceOptions = {}): Processor {
  const stores = (ctx: ProcessorContext) => ({
    tasks: ctx.store<InstanceEntry>('tasks'),
    series: ctx.store<SeriesEntry>('series'),
    due: ctx.store<DueOccurrence>('due'),
    users: ctx.store<{ timeZone: string }>('users'),
  });

  /** The facts every command carries, read from the stores as they are now. */
  function facts(ctx: ProcessorContext, series: SeriesEntry): Pick<SeriesCommand, 'latest' | 'userZone' | 'now'> {
    const { tasks, users } = stores(ctx);
    return {
      latest: tasks.get(entityKey(series.userId, series.latestTaskId))?.view ?? null,
      userZone: users.get(series.userId)?.timeZone ?? DEFAULT_TIME_ZONE,
      now: ctx.now(),
    };
  }

  /** Carries out what the series decided, in order, and returns the state it evolves to. */
  function carryOut(ctx: ProcessorContext, series: SeriesEntry, events: SeriesEvent[]): SeriesEntry {
    const { tasks, due } = stores(ctx);
    let state = series;
    for (const event of events) {
      switch (event.type) {
        case 'TimerArmed':
          due.put(dueKey(event.at, state.userId, state.seriesId), { userId: state.userId, seriesId: state.seriesId, at: event.at });
          break;
        case 'TimerDisarmed':
          due.delete(dueKey(event.at, state.userId, state.seriesId));
          break;
        case 'InstanceGenerated': {
          const { created, previous } = event;
          ctx.forward({ topic: 'task-events', key: state.userId, value: taskEventToWire(created) });
          ctx.forward({ topic: 'recurrences', key: state.userId, value: recurrenceEventToWire(event.announced) });
          // Registered at once: reading its TaskCreated back is a duplicate, and a punctuation
          // before that already sees it pending.
          if (event.instance) tasks.put(entityKey(state.userId, created.taskId), { view: event.instance, nextTaskId: null });
          // A deleted instance was kept only as the template of this one.
          if (previous.status === 'deleted') tasks.delete(entityKey(state.userId, previous.id));
          if (event.fromCompletion) tasks.put(entityKey(previous.userId, previous.id), { view: previous, nextTaskId: created.taskId });
          break;
        }
        case 'SeriesEnded':
          if (event.scanError) options.logger?.warn({ err: event.scanError, seriesId: state.seriesId }, 'recurrence scan exhausted: the series ends');
          ctx.forward({ topic: 'recurrences', key: state.userId, value: recurrenceEventToWire(event.announced) });
          break;
        case 'OccurrenceSkipped':
          ctx.forward({ topic: 'recurrences', key: state.userId, value: recurrenceEventToWire(event.announced) });
          break;
        case 'CauseRecorded':
        case 'TimerFired':
          break;
      }
      state = evolve(state, event);
    }
    return state;
  }

  function onTaskEvent(record: InputRecord, ctx: ProcessorContext): void {
    const event = decodeEvent(record, taskEventFromWire);
    const { tasks, series: allSeries } = stores(ctx);
    const key = entityKey(event.userId, event.taskId);
    const stored = tasks.get(key);
    const result = applyTaskEvent(stored?.view ?? null, event);
    if (result.outcome !== 'applied') return;
    const { view } = result;
    const instance: InstanceEntry = { view, nextTaskId: stored?.nextTaskId ?? null };
    // A first task with a recurrence starts the series named by its own id; instances carry it.
    const seriesId = view.seriesId ?? view.id;
    const seriesKey = entityKey(view.userId, seriesId);
    const series = allSeries.get(seriesKey) ?? (view.recurrence && !view.seriesId ? startSeries(view, { eventId: event.eventId, correlationId: event.correlationId }) : undefined);

    if (view.status === 'deleted' && series?.latestTaskId !== view.id) tasks.delete(key);
    else tasks.put(key, instance);
    if (!series || series.ended) return;
    const events = decide({ type: 'ObserveInstance', event, instance, ...facts(ctx, series) }, series);
    allSeries.put(seriesKey, carryOut(ctx, series, events));
  }

  function onUserEvent(record: InputRecord, ctx: ProcessorContext): void {
    const event = decodeEvent(record, userEventFromWire);
    if (event.type !== 'UserSettingsChanged') return;
    const { series: allSeries, users } = stores(ctx);
    if (foldUserZone(users, event.userId, event.payload.settings.timeZone) === null) return;
    // Series whose instances have no zone of their own follow the user's: their timers may move.
    const cause = { eventId: event.eventId, correlationId: event.correlationId };
    for (const [key, series] of [...allSeries.range(...userRange(event.userId))]) {
      const events = decide({ type: 'FollowZone', cause, ...facts(ctx, series) }, series);
      if (events.length > 0) allSeries.put(key, carryOut(ctx, series, events));
    }
  }

  /** on_schedule: each armed occurrence due by now is handed to its series. */
  function fireDue(ctx: ProcessorContext): void {
    const { series: allSeries, due } = stores(ctx);
    for (const [key, armed] of [...due.range('', dueUpTo(ctx.now()))]) {
      due.delete(key);
      const seriesKey = entityKey(armed.userId, armed.seriesId);
      const series = allSeries.get(seriesKey);
      if (!series) continue;
      const events = decide({ type: 'FireOccurrence', at: armed.at, ...facts(ctx, series) }, series);
      if (events.length > 0) allSeries.put(seriesKey, carryOut(ctx, series, events));
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
