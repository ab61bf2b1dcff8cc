// The rules a task's fields obey, whoever sets them (HTTP, chat, recurrence). Pure.
// rrule ships a UMD bundle as its CommonJS entry, whose named exports Node's ESM loader cannot
// detect: `import { RRule } from 'rrule'` fails at run time under plain ESM (tsx main files).
import rrule from 'rrule';
import { neverRecursReason } from './recurrence.js';

const { RRule } = rrule;

export const LIMITS = { titleMax: 500, descriptionMax: 10_000, tagsMax: 50, tagMax: 64, remindersMax: 20 } as const;

/**
 * What a stored text must be so that every part of the system holds and shows it unchanged:
 * Avro and BSON encode strings as UTF-8 (a lone surrogate would silently become U+FFFD),
 * PostgreSQL's jsonb behind FerretDB refuses a NUL character for good (SQLSTATE 22P05: the
 * record could never be stored), Kafka headers and the web client's single-line fields have no
 * use for control characters. Lengths are counted in characters (code points), as the store's
 * char_length does, not in UTF-16 units.
 */
export interface TextRule {
  maxChars: number;
  /** Tabs and line breaks allowed (a description); otherwise only a tab is. */
  multiline?: boolean;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// C0 controls and DEL, C1 controls. NUL is named apart for its message.
/* eslint-disable no-control-regex -- matching control characters is the point */
const CONTROL_SINGLE_LINE = /[\u0001-\u0008\u000A-\u001F\u007F-\u009F\u2028\u2029]/;
const CONTROL_MULTILINE = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/* eslint-enable no-control-regex */

/** Characters as the store counts them: code points. */
export const charLength = (text: string): number => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

/** Null when `text` can be stored and shown unchanged under `rule`, else the reason. */
export function textProblem(text: string, rule: TextRule): string | null {
  if (text.includes('\u0000')) return 'must not contain a NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (it holds a lone surrogate)';
  if ((rule.multiline ? CONTROL_MULTILINE : CONTROL_SINGLE_LINE).test(text)) {
    return rule.multiline ? 'must not contain control characters other than tab and line breaks' : 'must be one line without control characters';
  }
  const chars = charLength(text);
  if (chars > rule.maxChars) return `must be at most ${rule.maxChars} characters (it has ${chars})`;
  return null;
}

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

const TIME_PART = '(?:[0-9]+H(?:[0-9]+M)?(?:[0-9]+S)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S)';
/**
 * The durations `durationMs` reads, as a JSON Schema pattern: P, then weeks, days and a T part in
 * that order, at least one of them, and a T part names at least one of H, M, S. Written without
 * lookaheads (an API fuzzer's generator may ignore them) and with [0-9] (a Unicode `\d` would
 * admit other scripts' digits), so the document and the check are the one rule.
 */
export const DURATION_PATTERN = `^P(?:[0-9]+W(?:[0-9]+D)?(?:T${TIME_PART})?|[0-9]+D(?:T${TIME_PART})?|T${TIME_PART})$`;
const DURATION_RE = new RegExp(DURATION_PATTERN);
/** The parts of a duration DURATION_RE accepted. */
const DURATION_PARTS = /^P(?:([0-9]+)W)?(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)S)?)?$/;

/**
 * Milliseconds of an ISO 8601 duration of weeks, days, hours, minutes and seconds; null if invalid.
 * Months and years are refused on purpose: their length depends on the date, so "before" them is ambiguous.
 */
export function durationMs(iso: string): number | null {
  const m = DURATION_RE.test(iso) ? DURATION_PARTS.exec(iso) : null;
  if (!m) return null;
  const [w, d, h, min, s] = m.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number];
  return ((((w * 7 + d) * 24 + h) * 60 + min) * 60 + s) * 1000;
}
