// Our own small grammar from English recurrence phrases to RFC 5545 RRULE parts. Not
// RRule.fromText: it drops PM and minutes and defaults years to 2001. Each phrase also yields
// the canonical way a reply says it ("every 2 weeks on Tuesday and Thursday"). The first
// occurrence, COUNT and UNTIL are then evaluated by domain/recurrence.ts, in the user's zone.
import { occurrencesAfter } from '../recurrence.js';
import { DAY_MS, fromWallTime, startOfWallDay, toWallTime } from '../wall-clock.js';
import { findWhen, numberOf, type ChatClock } from './dates.js';

export type Freq = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

export interface RecurrenceParts {
  freq: Freq;
  interval: number;
  /** RFC 5545 weekdays, with an ordinal for monthly rules: MO, -1FR, 2TU. */
  byDay: string[];
  byMonthDay: number[];
  /** A time of day the phrase itself implies ("every morning": 08:00), else null. */
  impliedTime: { hour: number; minute: number } | null;
}

export interface FoundRecurrence {
  parts: RecurrenceParts;
  /** Where the phrase is in the text, to cut it out of a title. */
  index: number;
  text: string;
}

export interface EndCondition {
  count: number | null;
  /** The last instant of the day named by "until …", in the user's zone. */
  until: number | null;
  spans: { index: number; text: string }[];
}

const DAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const DAY = String.raw`(?:mon(?:day)?|tue(?:s(?:day)?)?|tuesday|wed(?:nesday)?|wendesday|wednsday|thu(?:r(?:s(?:day)?)?)?|thursday|fri(?:day)?|sat(?:urday)?|sun(?:day)?)s?`;
const DAY_LIST = String.raw`${DAY}(?:\s*(?:,|&|\+|\band\b|\bor\b)\s*(?:and\s+)?${DAY})*`;
const ORDINAL = String.raw`(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|final)`;
const COUNT_WORD = String.raw`(\d{1,3}|other|two|three|four|five|six|seven|eight|nine|ten|twelve)`;

function dayCode(word: string): string {
  const w = word.toLowerCase();
  if (w.startsWith('mon')) return 'MO';
  if (w.startsWith('tu')) return 'TU';
  if (w.startsWith('we')) return 'WE';
  if (w.startsWith('th')) return 'TH';
  if (w.startsWith('fr')) return 'FR';
  if (w.startsWith('sa')) return 'SA';
  return 'SU';
}

const dayCodes = (list: string): string[] => {
  const codes = (list.match(new RegExp(DAY, 'gi')) ?? []).map(dayCode);
  return DAY_CODES.filter((code) => codes.includes(code));
};

const ordinalOf = (word: string): number => {
  const w = word.toLowerCase();
  if (w === 'last' || w === 'final') return -1;
  return { first: 1, '1st': 1, second: 2, '2nd': 2, third: 3, '3rd': 3, fourth: 4, '4th': 4, fifth: 5, '5th': 5 }[w] ?? 1;
};

const intervalOf = (word: string | undefined): number => {
  if (word === undefined) return 1;
  if (word.toLowerCase() === 'other') return 2;
  return numberOf(word) ?? 1;
};

const FREQ_OF_UNIT: Record<string, Freq> = { day: 'DAILY', week: 'WEEKLY', month: 'MONTHLY', year: 'YEARLY' };
const unitFreq = (unit: string): Freq => FREQ_OF_UNIT[unit.toLowerCase().replace(/s$/, '')] ?? 'DAILY';

const parts = (freq: Freq, extra: Partial<RecurrenceParts> = {}): RecurrenceParts => ({
  freq,
  interval: 1,
  byDay: [],
  byMonthDay: [],
  impliedTime: null,
  ...extra,
});

/** The grammar, most specific first: the first rule that matches wins. */
const RULES: { pattern: RegExp; build: (m: RegExpExecArray) => RecurrenceParts }[] = [
  {
    // "the last Friday of every month", "every first Monday of the month"
    pattern: new RegExp(String.raw`\b(?:on\s+)?(?:every|each|the)\s+${ORDINAL}\s+(${DAY})\s+(?:of\s+)?(?:every|each|the|a)\s+month\b`, 'i'),
    build: (m) => parts('MONTHLY', { byDay: [`${ordinalOf(m[1]!)}${dayCode(m[2]!)}`] }),
  },
  {
    // "every month on the last Friday", "monthly on the first Monday"
    pattern: new RegExp(String.raw`\b(?:every\s+month|each\s+month|monthly)\s+on\s+the\s+${ORDINAL}\s+(${DAY})`, 'i'),
    build: (m) => parts('MONTHLY', { byDay: [`${ordinalOf(m[1]!)}${dayCode(m[2]!)}`] }),
  },
  {
    pattern: /\b(?:on\s+)?(?:the\s+)?last\s+day\s+of\s+(?:every|each|the)\s+month\b|\b(?:every\s+month|monthly)\s+on\s+the\s+last\s+day\b/i,
    build: () => parts('MONTHLY', { byMonthDay: [-1] }),
  },
  {
    // "monthly on the 1st", "every month on the 15th"
    pattern: /\b(?:every\s+month|each\s+month|monthly)\s+on\s+the\s+(\d{1,2})(?:st|nd|rd|th)?\b/i,
    build: (m) => parts('MONTHLY', { byMonthDay: [Number(m[1])] }),
  },
  {
    // "on the 1st of every month", "the 15th of each month"
    pattern: /\b(?:on\s+|every\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)?\s+of\s+(?:every|each|the)\s+month\b/i,
    build: (m) => parts('MONTHLY', { byMonthDay: [Number(m[1])] }),
  },
  {
    // "every 2 weeks on Tuesday and Thursday", "every other week on Monday", "weekly on Fridays"
    pattern: new RegExp(String.raw`\b(?:(?:every|each)\s+(?:${COUNT_WORD}\s+)?weeks?|weekly|biweekly|fortnightly)\s+on\s+(${DAY_LIST})`, 'i'),
    build: (m) => parts('WEEKLY', { interval: /^(bi|fort)/i.test(m[0]) ? 2 : intervalOf(m[1]), byDay: dayCodes(m[2]!) }),
  },
  {
    pattern: /\b(?:every|each)\s+(?:single\s+)?(?:week\s*day|work\s*day|business\s+day)s?\b|\b(?:on\s+)?weekdays\b|\bmonday\s+(?:through|to|thru|-)\s+friday\b/i,
    build: () => parts('WEEKLY', { byDay: ['MO', 'TU', 'WE', 'TH', 'FR'] }),
  },
  {
    pattern: /\b(?:every|each)\s+weekend\b|\b(?:on\s+)?weekends\b/i,
    build: () => parts('WEEKLY', { byDay: ['SA', 'SU'] }),
  },
  {
    // "every other Tuesday", "every 2nd Tuesday" (alternate Tuesdays)
    pattern: new RegExp(String.raw`\bevery\s+(other|second|2nd|third|3rd)\s+(${DAY_LIST})`, 'i'),
    build: (m) => parts('WEEKLY', { interval: m[1]!.toLowerCase().startsWith('th') || m[1] === '3rd' ? 3 : 2, byDay: dayCodes(m[2]!) }),
  },
  {
    // "every Monday", "every Mon, Wed and Fri", "on Mondays and Thursdays"
    pattern: new RegExp(String.raw`\b(?:every|each)\s+(${DAY_LIST})|\bon\s+(${DAY}s(?:\s*(?:,|&|\band\b)\s*(?:and\s+)?${DAY}s)*)\b`, 'i'),
    build: (m) => parts('WEEKLY', { byDay: dayCodes(m[1] ?? m[2]!) }),
  },
  {
    // "every 3 days", "every other week", "every 2 months"
    pattern: new RegExp(String.raw`\bevery\s+${COUNT_WORD}\s+(days?|weeks?|months?|years?)\b`, 'i'),
    build: (m) => parts(unitFreq(m[2]!), { interval: intervalOf(m[1]) }),
  },
  {
    pattern: /\b(?:every|each)\s+(morning|evening|night)\b|\bnightly\b/i,
    build: (m) => parts('DAILY', { impliedTime: (m[1] ?? 'night').toLowerCase() === 'morning' ? { hour: 8, minute: 0 } : (m[1] ?? '').toLowerCase() === 'evening' ? { hour: 18, minute: 0 } : { hour: 21, minute: 0 } }),
  },
  {
    pattern: /\b(?:every|each)\s+(day|week|month|year)\b|\b(daily|weekly|monthly|yearly|annually|biweekly|fortnightly)\b/i,
    build: (m) => {
      const word = (m[1] ?? m[2]!).toLowerCase();
      if (word === 'biweekly' || word === 'fortnightly') return parts('WEEKLY', { interval: 2 });
      const freq: Freq = word.startsWith('da') || word === 'day' ? 'DAILY' : word.startsWith('week') ? 'WEEKLY' : word.startsWith('month') ? 'MONTHLY' : 'YEARLY';
      return parts(freq);
    },
  },
];

/** The first recurrence phrase in `text`, or null. */
export function findRecurrence(text: string): FoundRecurrence | null {
  for (const rule of RULES) {
    const m = rule.pattern.exec(text);
    if (m) {
      const found = rule.build(m);
      if (found.freq === 'WEEKLY' && m[0].match(new RegExp(DAY, 'i')) && found.byDay.length === 0) continue;
      return { parts: found, index: m.index, text: m[0] };
    }
  }
  return null;
}

/** Whether a phrase speaks of a series ("the weekly standup", "my recurring review"). */
export const SERIES_WORDS = /\b(daily|weekly|monthly|yearly|annual|recurring|repeating|series|recurrence|every)\b/i;

const COUNT = /\b(?:for\s+)?(\d{1,4}|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty)\s+(?:times|occurrences|sessions|instances)\b/i;
const UNTIL = /\b(?:until|till|til|through|thru|ending(?:\s+on)?|ends?\s+on)\s+/i;

/** COUNT ("10 times") and UNTIL ("until March 1": through the end of that day) of a series. */
export function findEndCondition(text: string, clock: ChatClock): EndCondition {
  const spans: EndCondition['spans'] = [];
  let count: number | null = null;
  let until: number | null = null;
  const c = COUNT.exec(text);
  if (c) {
    count = numberOf(c[1]!);
    spans.push({ index: c.index, text: c[0] });
  }
  const u = UNTIL.exec(text);
  if (u) {
    const rest = text.slice(u.index + u[0].length);
    const when = findWhen(rest, clock);
    if (when && when.index === 0) {
      const { year, month, day } = when.wall;
      until = fromWallTime(Date.UTC(year, month - 1, day, 23, 59, 59), clock.timeZone);
      spans.push({ index: u.index, text: u[0] + when.text });
    }
  }
  return { count, until, spans };
}

/** The RRULE body of the parts. */
export function toRrule(p: RecurrenceParts): string {
  const fields = [`FREQ=${p.freq}`];
  if (p.interval > 1) fields.push(`INTERVAL=${p.interval}`);
  if (p.byDay.length > 0) fields.push(`BYDAY=${p.byDay.join(',')}`);
  if (p.byMonthDay.length > 0) fields.push(`BYMONTHDAY=${p.byMonthDay.join(',')}`);
  return fields.join(';');
}

const listOf = (words: string[]): string =>
  words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)!}`;

const ORDINAL_WORDS: Record<number, string> = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', 5: 'fifth', [-1]: 'last' };
const nth = (n: number): string => {
  const suffix = n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th';
  return `${n}${suffix}`;
};
const dayName = (code: string): string => DAY_NAMES[DAY_CODES.indexOf(code as (typeof DAY_CODES)[number])] ?? code;
const UNIT_NAMES: Record<Freq, string> = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year' };

/** How a reply says the rule: "every Monday", "every 2 weeks on Tuesday and Thursday". */
export function describeRecurrence(p: RecurrenceParts): string {
  const unit = UNIT_NAMES[p.freq];
  const every = p.interval === 1 ? `every ${unit}` : p.interval === 2 && p.freq === 'DAILY' ? 'every other day' : `every ${p.interval} ${unit}s`;
  if (p.freq === 'WEEKLY' && p.byDay.length > 0) {
    const days = p.byDay.join(',');
    if (p.interval === 1 && days === 'MO,TU,WE,TH,FR') return 'every weekday';
    if (p.interval === 1 && days === 'SA,SU') return 'every weekend';
    const names = listOf(p.byDay.map(dayName));
    return p.interval === 1 ? `every ${names}` : `${every} on ${names}`;
  }
  if (p.freq === 'MONTHLY' && p.byDay.length > 0) {
    const m = /^(-?\d)([A-Z]{2})$/.exec(p.byDay[0]!);
    if (m) return `on the ${ORDINAL_WORDS[Number(m[1])] ?? m[1]} ${dayName(m[2]!)} of ${p.interval === 1 ? 'every month' : `every ${p.interval} months`}`;
  }
  if (p.freq === 'MONTHLY' && p.byMonthDay.length > 0) {
    const day = p.byMonthDay[0]!;
    return `on the ${day === -1 ? 'last day' : nth(day)} of ${p.interval === 1 ? 'every month' : `every ${p.interval} months`}`;
  }
  return every;
}

/**
 * The series' first due instant: the first wall date from `from`'s day on that the rule's
 * day filters match, at the time of day, not in the past. INTERVAL only spaces the later
 * occurrences ("every 2 weeks on Tuesday" starts on the coming Tuesday), and a rule without
 * day filters ("every 3 days", "monthly") starts today, or tomorrow when the time has passed.
 */
export function firstOccurrence(rrule: string, time: { hour: number; minute: number }, clock: ChatClock, from: number = clock.now): number | null {
  const zone = clock.timeZone;
  const startDay = startOfWallDay(toWallTime(Math.max(from, clock.now), zone));
  const timeOfDay = (time.hour * 60 + time.minute) * 60_000;
  const filters = rrule.split(';').filter((part) => part.startsWith('BY'));
  const search = [filters.some((f) => f.startsWith('BYMONTHDAY') || /BYDAY=.*\d/.test(f)) ? 'FREQ=MONTHLY' : filters.length > 0 ? 'FREQ=WEEKLY' : 'FREQ=DAILY', ...filters].join(';');
  // DTSTART the day before: it always counts as an occurrence, so it must lie before the search.
  const anchor = fromWallTime(startDay - DAY_MS + timeOfDay, zone);
  const after = Math.max(anchor, clock.now - 1, fromWallTime(startDay, zone) - 1);
  const [next] = occurrencesAfter({ rrule: search, count: null, until: null }, { firstDueAt: anchor, timeZone: zone }, after, 1);
  return next?.at ?? null;
}
