// Dates and times in a chat message, resolved in the user's IANA zone. Pure: the reference
// instant and the zone are parameters, and the process's own TZ never takes part.
//
// chrono-node finds the phrase and its calendar fields, but it ignores IANA zone names. So it is
// given the reference as the *wall time* in the user's zone, with a UTC offset of 0: the fields
// it reports are then the user's wall-clock fields, which wall-clock.ts turns into an instant
// with the zone's real offsets (a time skipped by a DST change moves forward by the gap, as in
// the recurrence code). Durations ("in 2 hours") are instants measured from the reference; days
// and weeks ("in 3 days") keep the time of day on the wall clock. Ranges ("this week",
// "overdue") are ours, below.
import * as chrono from 'chrono-node';
import { DAY_MS, fromWallTime, startOfWallDay, toWallTime } from '../wall-clock.js';

export interface ChatClock {
  /** The request's instant (epoch ms): what "today" and "tomorrow" are relative to. */
  now: number;
  /** The user's IANA zone. */
  timeZone: string;
}

export interface FoundWhen {
  /** The instant meant. */
  at: number;
  /** Whether the phrase named a time of day ("at 9", "noon", "tonight"), or only a date. */
  hasTime: boolean;
  /** Whether it named a day ("tomorrow", "Friday", "March 1"), or only a time ("at 9"). */
  dateGiven: boolean;
  /** The wall-clock date and time in the user's zone. */
  wall: { year: number; month: number; day: number; hour: number; minute: number };
  /** Where the phrase is in the text, to cut it out of a title. */
  index: number;
  text: string;
}

/** What a date without a time of day means for a due date: 09:00 on that day. */
export const DEFAULT_HOUR = 9;

/** Our hours for chrono's casual times (its morning is 06:00, its tonight 22:00). */
const CASUAL_TIMES: [RegExp, number][] = [
  [/\bnoon\b/i, 12],
  [/\bmidnight\b/i, 0],
  [/\bmorning\b/i, 9],
  [/\bafternoon\b/i, 14],
  [/\bevening\b/i, 18],
  [/\b(?:tonight|night)\b/i, 20],
];

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

const NUMBER_WORDS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, fifteen: 15, twenty: 20, thirty: 30, 'forty-five': 45, half: 0.5,
};

/** "2", "two", "an" → a number; null for anything else. */
export function numberOf(word: string): number | null {
  const lower = word.toLowerCase();
  if (/^\d{1,4}$/.test(lower)) return Number(lower);
  return NUMBER_WORDS[lower] ?? null;
}

const UNIT = String.raw`(minutes?|mins?|hours?|hrs?|h|days?|weeks?)`;
const AMOUNT = String.raw`(\d{1,4}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|half an?)`;
/** "in 2 hours", "in an hour", "in half an hour", "in 3 days". */
const IN_DURATION = new RegExp(String.raw`\bin\s+${AMOUNT}\s*${UNIT}\b`, 'i');

export const unitMs = (unit: string): number => {
  const u = unit.toLowerCase();
  if (u.startsWith('m')) return MINUTE_MS;
  if (u.startsWith('h')) return HOUR_MS;
  if (u.startsWith('d')) return DAY_MS;
  return 7 * DAY_MS;
};

/** "2", "hours" → ISO 8601 duration, e.g. PT2H, P1D, P1W; PT30M for half an hour. */
export function isoDuration(amountWord: string, unit: string): string | null {
  const amount = amountWord.toLowerCase().startsWith('half') ? 0.5 : numberOf(amountWord);
  if (amount === null) return null;
  const ms = amount * unitMs(unit);
  const minutes = Math.round(ms / MINUTE_MS);
  if (minutes <= 0) return null;
  if (minutes % (7 * 24 * 60) === 0) return `P${minutes / (7 * 24 * 60)}W`;
  if (minutes % (24 * 60) === 0) return `P${minutes / (24 * 60)}D`;
  if (minutes % 60 === 0) return `PT${minutes / 60}H`;
  return `PT${minutes}M`;
}

function wallFields(wall: number): FoundWhen['wall'] {
  const d = new Date(wall);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
}

/** The instant of a wall-clock date and time in `zone`. */
export function instantOf(zone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  return fromWallTime(Date.UTC(year, month - 1, day, hour, minute), zone);
}

/**
 * chrono reads its reference with the process's local getters in some places and with the
 * offset it is given in others (weekdays with forwardDate came out a week apart under
 * TZ=America/New_York). So it gets a Date whose *local* fields are the user's wall-clock fields
 * and no zone at all: every path then agrees, and only the wall fields it reports are used.
 * (One corner remains: a reference wall time inside a DST gap of the *process's* zone, which
 * TZ=UTC, pinned for every process by docs/architecture.md §8, does not have.)
 */
function chronoReference(clock: ChatClock): Date {
  const wall = new Date(toWallTime(clock.now, clock.timeZone));
  return new Date(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate(), wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds());
}

/** The first date or time phrase in `text`, or null. `forward`: an ambiguous date means the next one. */
export function findWhen(text: string, clock: ChatClock, { forward = true }: { forward?: boolean } = {}): FoundWhen | null {
  const duration = IN_DURATION.exec(text);
  if (duration) {
    const [whole, amount = '', unit = ''] = duration;
    const iso = isoDuration(amount, unit);
    if (iso) {
      const ms = (amount.toLowerCase().startsWith('half') ? 0.5 : numberOf(amount)!) * unitMs(unit);
      // Minutes and hours are elapsed time; days and weeks keep the time of day on the wall clock.
      const at = ms < DAY_MS ? clock.now + ms : fromWallTime(toWallTime(clock.now, clock.timeZone) + ms, clock.timeZone);
      return { at, hasTime: true, dateGiven: true, wall: wallFields(toWallTime(at, clock.timeZone)), index: duration.index, text: whole };
    }
  }
  const [result] = chrono.parse(text, chronoReference(clock), { forwardDate: forward });
  if (!result) return null;
  const start = result.start;
  const casual = CASUAL_TIMES.find(([pattern]) => pattern.test(result.text))?.[1];
  const hasTime = start.isCertain('hour') || casual !== undefined;
  const year = start.get('year')!;
  const month = start.get('month')!;
  const day = start.get('day')!;
  let hour = start.isCertain('hour') ? start.get('hour')! : (casual ?? DEFAULT_HOUR);
  let minute = start.isCertain('hour') ? (start.get('minute') ?? 0) : 0;
  // "due Friday" said on a Friday after 09:00: the end of the day, not a time already past.
  if (!hasTime && instantOf(clock.timeZone, year, month, day, hour, minute) <= clock.now) [hour, minute] = [23, 59];
  const at = instantOf(clock.timeZone, year, month, day, hour, minute);
  const dateGiven = start.isCertain('day') || start.isCertain('weekday') || /\b(tonight|today|tomorrow)\b/i.test(result.text);
  return { at, hasTime, dateGiven, wall: wallFields(toWallTime(at, clock.timeZone)), index: result.index, text: result.text };
}

// ---------------------------------------------------------------------------------------------
// Ranges: ours, in the user's zone. Half-open [from, to).

export interface InstantRange {
  from: number | null;
  to: number | null;
  /** How a reply names it: "today", "this week", "overdue". */
  label: string;
}

const startOfDayAt = (clock: ChatClock, offsetDays: number): number =>
  fromWallTime(startOfWallDay(toWallTime(clock.now, clock.timeZone)) + offsetDays * DAY_MS, clock.timeZone);

/** Monday 00:00 of the week containing now (ISO weeks), as a floating wall time. */
function wallWeekStart(clock: ChatClock): number {
  const today = startOfWallDay(toWallTime(clock.now, clock.timeZone));
  const weekday = (new Date(today).getUTCDay() + 6) % 7; // Monday 0
  return today - weekday * DAY_MS;
}

const RANGE_WORDS = String.raw`today|tonight|tomorrow|yesterday|this week|next week|last week|this weekend|this month|next month|overdue|past due|late`;
export const RANGE_PATTERN = new RegExp(String.raw`\b(${RANGE_WORDS})\b`, 'i');

/** The range a word names ("today", "this week", "overdue"), or null. */
export function rangeOf(word: string, clock: ChatClock): InstantRange | null {
  const zone = clock.timeZone;
  const at = (wall: number) => fromWallTime(wall, zone);
  const w = word.toLowerCase();
  switch (w) {
    case 'today':
    case 'tonight':
      return { from: startOfDayAt(clock, 0), to: startOfDayAt(clock, 1), label: 'today' };
    case 'tomorrow':
      return { from: startOfDayAt(clock, 1), to: startOfDayAt(clock, 2), label: 'tomorrow' };
    case 'yesterday':
      return { from: startOfDayAt(clock, -1), to: startOfDayAt(clock, 0), label: 'yesterday' };
    case 'this week':
      return { from: at(wallWeekStart(clock)), to: at(wallWeekStart(clock) + 7 * DAY_MS), label: 'this week' };
    case 'next week':
      return { from: at(wallWeekStart(clock) + 7 * DAY_MS), to: at(wallWeekStart(clock) + 14 * DAY_MS), label: 'next week' };
    case 'last week':
      return { from: at(wallWeekStart(clock) - 7 * DAY_MS), to: at(wallWeekStart(clock)), label: 'last week' };
    case 'this weekend':
      return { from: at(wallWeekStart(clock) + 5 * DAY_MS), to: at(wallWeekStart(clock) + 7 * DAY_MS), label: 'this weekend' };
    case 'this month':
    case 'next month': {
      const d = new Date(toWallTime(clock.now, zone));
      const m = d.getUTCMonth() + (w === 'next month' ? 1 : 0);
      return { from: at(Date.UTC(d.getUTCFullYear(), m, 1)), to: at(Date.UTC(d.getUTCFullYear(), m + 1, 1)), label: w };
    }
    case 'overdue':
    case 'past due':
    case 'late':
      return { from: null, to: clock.now, label: 'overdue' };
    default:
      return null;
  }
}
