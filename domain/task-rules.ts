// The rules a task's fields obey, whoever sets them (HTTP, chat, recurrence). Pure.
// rrule ships a UMD bundle as its CommonJS entry, whose named exports Node's ESM loader cannot
// detect: `import { RRule } from 'rrule'` fails at run time under plain ESM (tsx main files).
import rrule from 'rrule';
import { neverRecursReason } from './recurrence.js';

const { RRule } = rrule;

export const LIMITS = { titleMax: 500, descriptionMax: 10_000, tagsMax: 50, tagMax: 64, remindersMax: 20 } as const;

/** Trimmed, lower-cased, unique, in first-seen order; empty tags dropped. */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0))];
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Null when the RRULE body parses, names a frequency and can recur at all, else the reason. A rule
 * that can never match is refused here, at the door: evaluating it would block a processor.
 */
export function rruleProblem(rrule: string): string | null {
  const body = rrule.replace(/^RRULE:/i, '');
  if (/DTSTART|TZID/i.test(body)) return 'give the start as dueAt and the zone as timeZone, not inside the rule';
  try {
    const options = RRule.parseString(body);
    if (options.freq === undefined) return 'FREQ is required';
    new RRule(options);
    return neverRecursReason(body);
  } catch (err) {
    return (err as Error).message;
  }
}

const DURATION = /^P(?!$)(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/**
 * Milliseconds of an ISO 8601 duration of weeks, days, hours, minutes and seconds; null if invalid.
 * Months and years are refused on purpose: their length depends on the date, so "before" them is ambiguous.
 */
export function durationMs(iso: string): number | null {
  const m = DURATION.exec(iso);
  if (!m) return null;
  const [w, d, h, min, s] = m.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number];
  return ((((w * 7 + d) * 24 + h) * 60 + min) * 60 + s) * 1000;
}
