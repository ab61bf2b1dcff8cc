// A series' occurrences and what the recurrence processor does at each step. Pure: time is a
// parameter. RFC 5545 semantics with DTSTART = the series' first dueAt, in the series' IANA zone,
// keeping wall-clock time across DST changes (09:00 New York stays 09:00 local).
//
// rrule expands the rule in "floating" time (wall-clock fields carried as UTC, no tzid), which it
// computes with UTC getters only; wall-clock.ts then maps each wall time to an instant with the
// zone's real offsets. So the process's own TZ never matters (docs/architecture.md §8; proved by a spec that
// runs this module under other TZs). Wall times that do not exist or occur twice follow
// fromWallTime: a skipped 02:30 becomes 03:30 (moved forward by the gap), a repeated 01:30 is the
// earlier one, exactly as Python's dateutil + zoneinfo do (the oracle spec checks it).
import rrule from 'rrule';
import type { Recurrence, TaskFields } from './events.js';
import { nameBasedId } from './name-based-id.js';
import { fromWallTime, toWallTime } from './wall-clock.js';

const { RRule } = rrule;

/** The parts of a task's recurrence that decide when occurrences fall. */
export type RecurrenceRule = Pick<Recurrence, 'rrule' | 'count' | 'until'>;

/** Where a series starts: RFC 5545's DTSTART and TZID. */
export interface SeriesAnchor {
  /** The dueAt of the series' first instance. Sub-second parts are dropped (RFC 5545 times have seconds). */
  firstDueAt: number;
  /** The zone the rule is evaluated in: the task's timeZone, else its user's. */
  timeZone: string;
}

export interface Occurrence {
  at: number;
  /** 1 for the first instance (DTSTART), 2 for the next, ...: the number COUNT limits. */
  ordinal: number;
}

/** Why a series has no further occurrence: COUNT reached, past UNTIL, or the rule has no more. */
export type EndReason = 'count' | 'until' | 'exhausted';

export type NextOccurrence = ({ outcome: 'next' } & Occurrence) | { outcome: 'ended'; reason: EndReason };

/** Occurrences are looked for this far past the first instance at most. */
const HORIZON_YEARS = 100;
/** A guard against rules that would make a scan run for minutes (FREQ=SECONDLY over years). */
const MAX_SCANNED = 200_000;
/** Offsets never exceed a day, so a floating bound this much past an instant bound is safe. */
const BOUND_MARGIN_MS = 2 * 86_400_000;

const minOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

type RuleOptions = ReturnType<typeof RRule.parseString>;
type ByWeekday = NonNullable<RuleOptions['byweekday']> extends infer W ? (W extends readonly (infer One)[] ? One : W) : never;

const plainWeekday = (day: ByWeekday): number => (typeof day === 'number' ? day : typeof day === 'string' ? RRule[day].weekday : day.weekday);

/**
 * Whether any date can match the rule's date filters at all, by a YEARLY expansion of a superset
 * of its dates (same BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO, every listed weekday whatever its
 * ordinal) that stops at the first hit. Needed because rrule, given a finer rule that never
 * matches (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30), visits every period up to the year 9999 whatever
 * UNTIL says: over ten seconds of a blocked processor. Yearly periods are cheap to visit (about
 * 0.1 s to the year 9999 when nothing matches).
 */
function someDateMatches(options: RuleOptions, dtstart: Date): boolean {
  const { bymonth = null, bymonthday = null, byyearday = null, byweekno = null, byweekday = null } = options;
  const weekdays = byweekday === null ? [0, 1, 2, 3, 4, 5, 6] : [byweekday].flat().map(plainWeekday);
  const probe = new RRule({ freq: RRule.YEARLY, dtstart, bymonth, bymonthday, byyearday, byweekno, byweekday: weekdays, tzid: null });
  let found = false;
  probe.all(() => ((found = true), false));
  return found;
}

/** A YEARLY rule is expanded by years already: running out costs no more than the probe. */
const datesCanMatch = (options: RuleOptions, dtstart: Date): boolean => options.freq === RRule.YEARLY || someDateMatches(options, dtstart);

const listOf = (value: number | number[] | null | undefined): number[] => (value === null || value === undefined ? [] : [value].flat());

/** RFC 5545's ranges; rrule accepts anything (BYHOUR=25), then searches forever for it. */
const RANGES = [
  ['bymonth', 1, 12, false],
  ['bymonthday', 1, 31, true],
  ['byyearday', 1, 366, true],
  ['byweekno', 1, 53, true],
  ['byhour', 0, 23, false],
  ['byminute', 0, 59, false],
  ['bysecond', 0, 59, false],
  ['bysetpos', 1, 366, true],
] as const;

/**
 * The most instances one period of the rule can hold (for BYSETPOS): its dates times its times.
 * An upper bound, not an exact count: enough to refuse BYSETPOS=2 on a DAILY rule.
 */
function maxSetSize(options: RuleOptions): number {
  const { freq } = options;
  const count = (key: 'byhour' | 'byminute' | 'bysecond') => Math.max(1, listOf(options[key]).length);
  const weekdays = options.byweekday === null || options.byweekday === undefined ? [] : [options.byweekday].flat();
  const monthsPerPeriod = freq === RRule.YEARLY ? listOf(options.bymonth).length || 12 : 1;
  const dateBounds: number[] = [];
  if (freq === RRule.YEARLY) dateBounds.push(366);
  if (freq === RRule.MONTHLY) dateBounds.push(31);
  if (freq === RRule.WEEKLY) dateBounds.push(7, weekdays.length || 7);
  if (freq !== undefined && freq >= RRule.DAILY) dateBounds.push(1);
  if (listOf(options.bymonthday).length > 0) dateBounds.push(listOf(options.bymonthday).length * monthsPerPeriod);
  if (listOf(options.byyearday).length > 0) dateBounds.push(listOf(options.byyearday).length);
  if (weekdays.length > 0 && (freq === RRule.MONTHLY || freq === RRule.YEARLY)) {
    const perWeekday = freq === RRule.MONTHLY ? 5 : 53;
    dateBounds.push(weekdays.reduce<number>((sum, day) => sum + (typeof day === 'object' && day.n ? 1 : perWeekday), 0));
  }
  const times =
    freq === RRule.SECONDLY ? 1 : freq === RRule.MINUTELY ? count('bysecond') : freq === RRule.HOURLY ? count('byminute') * count('bysecond') : count('byhour') * count('byminute') * count('bysecond');
  return Math.min(...dateBounds) * times;
}

/**
 * Why a rule (an RRULE body that rrule parses) could never yield an occurrence after its first
 * instance, whatever the start, or null. For the door: rrule expands such a rule period by period
 * up to the year 9999 before giving up (seconds to hours of a blocked processor), so they are
 * refused before they are stored. Cheap: a yearly probe at most. Not detected (they depend on the
 * start): a sub-daily INTERVAL that can never land on its BYHOUR, BYMINUTE or BYSECOND.
 */
export function neverRecursReason(body: string): string | null {
  const options = RRule.parseString(body.replace(/^RRULE:/i, ''));
  // RFC 5545 wants both positive. Taken literally, COUNT=0 is a series of no instance (this code
  // ended it at its first, uncounted) and INTERVAL=0 one that never moves on to a next period.
  if (options.count === 0) return 'COUNT=0 is no occurrence at all (COUNT counts the first instance too: give 1 or more, or leave it out)';
  if (options.interval === 0) return 'INTERVAL=0 never moves to a next period (give 1 or more, or leave it out)';
  for (const [key, min, max, negative] of RANGES) {
    const bad = listOf(options[key]).find((v) => !Number.isInteger(v) || (negative ? Math.abs(v) < min || Math.abs(v) > max : v < min || v > max));
    if (bad !== undefined) return `${key.toUpperCase()}=${bad} is out of range (${negative ? `±${min}..${max}` : `${min}..${max}`})`;
  }
  const positions = listOf(options.bysetpos);
  const size = maxSetSize(options);
  if (positions.length > 0 && positions.every((p) => Math.abs(p) > size)) return `BYSETPOS=${positions.join(',')} can never match: a period holds at most ${size} instance(s)`;
  if (!someDateMatches(options, new Date(Date.UTC(2000, 0, 1)))) return 'no date ever matches its BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO and BYDAY together';
  return null;
}

interface CompiledSeries {
  /** Null when no date can ever match: the series is its first instance alone. */
  rule: InstanceType<typeof RRule> | null;
  first: number;
  count: number | null;
  until: number | null;
  /** rrule stops at a bound derived from until (else at the horizon): running out then means until. */
  boundedByUntil: boolean;
  zone: string;
}

function compile(rule: RecurrenceRule, anchor: SeriesAnchor): CompiledSeries {
  const first = Math.floor(anchor.firstDueAt / 1000) * 1000;
  // COUNT and UNTIL, from the body or the recurrence's own fields (the stricter wins), are applied
  // to instants here rather than by rrule: rrule would compare UNTIL with floating times and
  // count an unsynchronised DTSTART differently from RFC 5545 (where DTSTART is always the first).
  const { count: bodyCount, until: bodyUntil, ...options } = RRule.parseString(rule.rrule.replace(/^RRULE:/i, ''));
  const count = minOf(bodyCount ?? null, rule.count);
  const until = minOf(bodyUntil ? bodyUntil.getTime() : null, rule.until);
  const firstWall = toWallTime(first, anchor.timeZone);
  const horizon = new Date(firstWall).setUTCFullYear(new Date(firstWall).getUTCFullYear() + HORIZON_YEARS);
  const floatingUntil = until === null ? horizon : Math.min(horizon, toWallTime(until, anchor.timeZone) + BOUND_MARGIN_MS);
  return {
    rule: datesCanMatch(options, new Date(firstWall))
      ? new RRule({ ...options, dtstart: new Date(firstWall), until: new Date(floatingUntil), tzid: null })
      : null,
    first,
    count,
    until,
    boundedByUntil: floatingUntil < horizon,
    zone: anchor.timeZone,
  };
}

/**
 * Walks the series from its first instance and collects up to `limit` occurrences strictly after
 * `after`; `ended` says why fewer were found.
 */
function scan(series: CompiledSeries, after: number, limit: number): { found: Occurrence[]; ended: EndReason | null } {
  const found: Occurrence[] = [];
  let ended: EndReason | null = null;
  let last = -Infinity;
  let ordinal = 0;
  const visit = (at: number): boolean => {
    // Two wall times in a skipped hour can land on one instant; the series moves strictly forward.
    if (at <= last) return true;
    if (series.until !== null && at > series.until) return (ended = 'until'), false;
    if (series.count !== null && ordinal >= series.count) return (ended = 'count'), false;
    last = at;
    ordinal += 1;
    if (at > after) found.push({ at, ordinal });
    return found.length < limit;
  };
  if (!visit(series.first)) return { found, ended };
  let scanned = 0;
  series.rule?.all((date) => {
    if (++scanned > MAX_SCANNED) throw new RangeError(`recurrence ${series.rule?.toString()} needs more than ${MAX_SCANNED} steps`);
    return visit(fromWallTime(date.getTime(), series.zone));
  });
  return { found, ended: found.length < limit ? (ended ?? (series.rule !== null && series.boundedByUntil ? 'until' : 'exhausted')) : null };
}

/**
 * Up to `limit` occurrences of the series strictly after the instant `after`, in order. The
 * series' first instance is `anchor.firstDueAt` itself, even when it does not match the rule
 * (RFC 5545: DTSTART always counts as the first occurrence).
 */
export function occurrencesAfter(rule: RecurrenceRule, anchor: SeriesAnchor, after: number, limit: number): Occurrence[] {
  return scan(compile(rule, anchor), after, limit).found;
}

/** The first occurrence strictly after `after`, or why there is none. */
export function nextOccurrence(rule: RecurrenceRule, anchor: SeriesAnchor, after: number): NextOccurrence {
  const { found, ended } = scan(compile(rule, anchor), after, 1);
  const [next] = found;
  return next ? { outcome: 'next', ...next } : { outcome: 'ended', reason: ended ?? 'exhausted' };
}

/** What the recurrence processor does in answer to a completion or an on_schedule timer. */
export type RecurrenceStep =
  | ({ action: 'create' } & Occurrence)
  | ({ action: 'skip' } & Occurrence)
  | { action: 'end'; reason: EndReason | 'no_due_time' }
  | { action: 'none' };

/**
 * An instance of a series was completed, with `recurrence` the rule in force at completion. In
 * on_completion mode the next instance is the first occurrence strictly after the completed
 * instance's due time, NOT after the completion time: the answer then depends only on the
 * instance, so completing, reopening and completing again (at any time) finds the same occurrence
 * and the same deterministic ids, and a late completion yields the series' next slot (possibly
 * already overdue) instead of silently dropping occurrences. A task without due time cannot be
 * placed in the series: the series ends. In on_schedule mode completions create nothing.
 */
export function stepOnCompletion(recurrence: Recurrence, anchor: SeriesAnchor, completedDueAt: number | null): RecurrenceStep {
  if (recurrence.mode !== 'on_completion') return { action: 'none' };
  if (completedDueAt === null) return { action: 'end', reason: 'no_due_time' };
  const next = nextOccurrence(recurrence, anchor, completedDueAt);
  return next.outcome === 'next' ? { action: 'create', at: next.at, ordinal: next.ordinal } : { action: 'end', reason: next.reason };
}

/**
 * An on_schedule timer fired for `occurrence` (found with nextOccurrence). The instance is created
 * whether or not earlier ones were done, except when the previous instance is still pending: then
 * this occurrence is skipped (OccurrenceSkipped), so undone work does not pile up. Arm the next
 * timer with nextOccurrence(rule, anchor, occurrence.at); 'ended' there means RecurrenceEnded.
 */
export function stepOnSchedule(recurrence: Recurrence, occurrence: Occurrence, previousPending: boolean): RecurrenceStep {
  if (recurrence.mode !== 'on_schedule') return { action: 'none' };
  return { action: previousPending ? 'skip' : 'create', ...occurrence };
}

/**
 * The ids of the instance generated for `occurrence` of a series: the new task's id and its
 * TaskCreated event's id. Name-based (UUID v5), so generating the same occurrence twice yields
 * the same task, which the view then refuses as ALREADY_EXISTS / duplicate.
 */
export function occurrenceIds(seriesId: string, occurrence: number): { taskId: string; eventId: string } {
  return {
    taskId: nameBasedId('occurrence-task', seriesId, occurrence),
    eventId: nameBasedId('occurrence-event', seriesId, occurrence),
  };
}

/** The deterministic id of a recurrences-topic event about `occurrence` (for RecurrenceEnded: the last one). */
export function recurrenceEventId(
  type: 'RecurringTaskGenerated' | 'OccurrenceSkipped' | 'RecurrenceEnded',
  seriesId: string,
  occurrence: number,
): string {
  return nameBasedId(type, seriesId, occurrence);
}

/**
 * The fields of the next instance: the previous instance's fields due at `nextDueAt`, with each
 * absolute reminder kept at the same wall-clock distance from the due time in `timeZone` (a
 * reminder "the evening before at 18:00" stays at 18:00 across a DST change). Relative reminders
 * follow the due time by themselves.
 */
export function nextInstanceFields(previous: TaskFields, nextDueAt: number, timeZone: string): TaskFields {
  const { dueAt } = previous;
  const reminders = previous.reminders.map((reminder) => {
    if (reminder.at === null || dueAt === null) return reminder;
    const wallDistance = toWallTime(dueAt, timeZone) - toWallTime(reminder.at, timeZone);
    return { ...reminder, at: fromWallTime(toWallTime(nextDueAt, timeZone) - wallDistance, timeZone) };
  });
  return { ...previous, dueAt: nextDueAt, reminders };
}
