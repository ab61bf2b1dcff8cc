// Request bodies, checked at the door with zod: strict objects (an unknown field is refused,
// never silently dropped), the field rules of domain/task-rules.ts, and ISO 8601 text turned
// into the epoch milliseconds the events carry. The same schemas feed /openapi.json.
import { z } from 'zod';
import type { Reminder, TaskFields, UserSettings } from '../domain/events.js';
import { DURATION_PATTERN, durationMs, isValidTimeZone, LIMITS, normalizeTags, rruleProblem, textProblem, type TextRule } from '../domain/task-rules.js';
import { ValidationError } from '../platform/http-errors.js';

/**
 * A string the whole system can hold and show unchanged (domain/task-rules.ts textProblem):
 * no NUL, no lone surrogate, no control characters, at most `maxChars` code points. The
 * refusal's issue code is `invalid_text`, under the request's VALIDATION_FAILED.
 */
export const safeText = (rule: TextRule, what = 'text') =>
  z
    .string()
    .superRefine((text, ctx) => {
      const problem = textProblem(text, rule);
      if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}`, params: { code: 'invalid_text' } });
    })
    .meta({
      description: `at most ${rule.maxChars} characters; no NUL, lone surrogates or control characters${rule.multiline ? ' other than tab and line breaks' : ''}`,
      // JSON Schema counts characters (code points), as the rule does.
      maxLength: rule.maxChars,
      pattern: rule.multiline ? '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$' : '^[^\\u0000-\\u0008\\u000A-\\u001F\\u007F-\\u009F\\u2028\\u2029]*$',
    });

/** The single-line characters safeText refuses, as a JSON Schema character class body. */
export const SINGLE_LINE_CONTROLS = '\\u0000-\\u0008\\u000A-\\u001F\\u007F-\\u009F\\u2028\\u2029';

/**
 * How /openapi.json describes a trimmed one-line text (a title, a tag) on its input side, which
 * z.toJSONSchema takes from the string before the pipe: white space around it is trimmed, what
 * remains is safeText's; `required`: something must remain.
 */
const trimmedTextMeta = (rule: TextRule, required: boolean) => {
  const core = `[^\\s${SINGLE_LINE_CONTROLS}]([^${SINGLE_LINE_CONTROLS}]*[^\\s${SINGLE_LINE_CONTROLS}])?`;
  return {
    description: `trimmed; then at most ${rule.maxChars} characters${required ? ', at least one' : ''}; no NUL, lone surrogates or control characters`,
    pattern: `^\\s*${required ? core : `(${core})?`}\\s*$`,
  };
};

// The instants the system holds: from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z. Not
// before 1970, because the processors' timer stores order instants by their zero-padded decimal
// text (streams/processors/plumbing.ts timeKey), which a negative number breaks; not from the
// year 10000 on, because an answer writes instants as RFC 3339 text with a four-digit year. Avro's
// timestamp-millis and the store would hold either; what reads them would not.
// As a pattern (so /openapi.json states the range, not only the format): a year 1970-9999, and on
// the two edge days an offset that cannot carry the instant out of the range (1970-01-01 west of
// or at UTC, 9999-12-31 east of or at UTC). No lookaheads, [0-9] for \d: the one rule, checked
// by the validator and stated in the document alike.
const TIME = '(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]+)?';
const HHMM_OFFSET = '(?:[01][0-9]|2[0-3]):[0-5][0-9]';
const ANY_OFFSET = `(?:Z|[+-]${HHMM_OFFSET})`;
const DAY28 = '(?:0[1-9]|1[0-9]|2[0-8])';
const DAY30 = '(?:0[1-9]|[12][0-9]|30)';
const DAY31 = '(?:0[1-9]|[12][0-9]|3[01])';
/** Month and day of a year that is not leap (Feb 29 comes with the leap years). */
const MONTH_DAY = `(?:(?:0[13578]|1[02])-${DAY31}|(?:0[469]|11)-${DAY30}|02-${DAY28})`;
const YEAR_INNER = '(?:197[1-9]|19[89][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])';
const LEAP_YEAR = '(?:19(?:7[26]|8[048]|9[26])|[2-9][0-9](?:0[48]|[2468][048]|[13579][26])|[2468][048]00|[3579][26]00)';
const DATE_INNER = [
  `${LEAP_YEAR}-02-29`,
  `${YEAR_INNER}-${MONTH_DAY}`,
  `1970-(?:01-(?:0[2-9]|[12][0-9]|3[01])|(?:0[3578]|1[02])-${DAY31}|(?:0[469]|11)-${DAY30}|02-${DAY28})`,
  `9999-(?:(?:0[13578]|10)-${DAY31}|12-(?:0[1-9]|[12][0-9]|30)|(?:0[469]|11)-${DAY30}|02-${DAY28})`,
].join('|');
export const INSTANT_PATTERN =
  `^(?:(?:${DATE_INNER})T${TIME}${ANY_OFFSET}` +
  `|1970-01-01T${TIME}(?:Z|\\+00:00|-${HHMM_OFFSET})` +
  `|9999-12-31T${TIME}(?:Z|-00:00|\\+${HHMM_OFFSET}))$`;
const INSTANT_RE = new RegExp(INSTANT_PATTERN);
export const INSTANT_RANGE = 'from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z';

/** An instant with an explicit offset (Z or ±hh:mm) in INSTANT_RANGE; impossible dates such as Feb 30 fail. */
export const IsoDateTime = z.iso
  .datetime({ offset: true, error: 'expected an ISO 8601 date-time with an offset, e.g. 2026-05-01T09:00:00Z' })
  .refine((text) => INSTANT_RE.test(text), `date out of range: ${INSTANT_RANGE}`)
  .meta({ pattern: INSTANT_PATTERN, description: `an instant ${INSTANT_RANGE}, with an offset` })
  .transform((text) => Date.parse(text))
  .refine((ms) => Number.isFinite(ms) && ms >= 0 && ms < Date.UTC(10000, 0, 1), 'date out of range');

/** Intl lists canonical zones only; UTC is accepted too. */
const IANA_ZONES = [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])];

const TimeZone = z
  .string()
  .max(64)
  .refine(isValidTimeZone, { error: 'not an IANA time zone, e.g. Europe/Berlin' })
  // The zones this runtime's tz database knows (what isValidTimeZone accepts, aliases aside).
  .meta({ id: 'TimeZone', description: 'IANA time zone name', example: 'Europe/Berlin', enum: IANA_ZONES });

const Title = z
  .string()
  .meta(trimmedTextMeta({ maxChars: LIMITS.titleMax }, true))
  .trim()
  .min(1, 'title must not be empty')
  .pipe(safeText({ maxChars: LIMITS.titleMax }, 'title'));
const Description = safeText({ maxChars: LIMITS.descriptionMax, multiline: true }, 'description').nullable();
const Priority = z.enum(['high', 'medium', 'low']);
const Tags = z
  .array(z.string().meta(trimmedTextMeta({ maxChars: LIMITS.tagMax }, false)).trim().pipe(safeText({ maxChars: LIMITS.tagMax }, 'a tag')))
  .max(LIMITS.tagsMax, `at most ${LIMITS.tagsMax} tags`)
  .transform(normalizeTags)
  .meta({ description: 'trimmed, lower-cased and de-duplicated on write' });

const WEEKDAY = '(?:MO|TU|WE|TH|FR|SA|SU)';
const NUMBERS = (sign: boolean, digits: number) => `${sign ? '[+-]?' : ''}[0-9]{1,${digits}}(?:,${sign ? '[+-]?' : ''}[0-9]{1,${digits}})*`;
const RRULE_PART = [
  '(?:INTERVAL|COUNT)=[0-9]{1,5}',
  `WKST=${WEEKDAY}`,
  `BYDAY=(?:[+-]?[0-9]{1,2})?${WEEKDAY}(?:,(?:[+-]?[0-9]{1,2})?${WEEKDAY})*`,
  `(?:BYMONTH|BYHOUR|BYMINUTE|BYSECOND)=${NUMBERS(false, 2)}`,
  `(?:BYMONTHDAY|BYWEEKNO)=${NUMBERS(true, 2)}`,
  `(?:BYYEARDAY|BYSETPOS)=${NUMBERS(true, 3)}`,
  'UNTIL=[0-9]{8}(?:T[0-9]{6}Z?)?',
].join('|');
/**
 * The RRULE bodies the document describes: `;`-separated RFC 5545 parts in upper case, one FREQ
 * among them, each part's value in its shape. A rule of that shape may still mean nothing
 * (COUNT=0, BYMONTHDAY=31 in February, values out of range): a documented refusal
 * (gateway/refusals.ts). The parser the validator runs reads more (lower case, spaces): the
 * pattern is the form to send, so a generated rule is a rule and not an empty string.
 */
export const RRULE_PATTERN = `^(?:RRULE:)?(?:(?:${RRULE_PART});)*FREQ=(?:YEARLY|MONTHLY|WEEKLY|DAILY|HOURLY|MINUTELY|SECONDLY)(?:;(?:${RRULE_PART}))*$`;

const Recurrence = z
  .strictObject({
    rrule: safeText({ maxChars: 500 }, 'rrule')
      .superRefine((rule, ctx) => {
        const problem = rruleProblem(rule);
        if (problem) ctx.addIssue({ code: 'custom', message: `invalid RRULE: ${problem}` });
      })
      .meta({ description: 'RFC 5545 RRULE body, evaluated from dueAt in timeZone', example: 'FREQ=WEEKLY;BYDAY=MO', pattern: RRULE_PATTERN }),
    mode: z.enum(['on_completion', 'on_schedule']),
    count: z.number().int().min(1).max(10_000).nullable().optional(),
    until: IsoDateTime.nullable().optional(),
  })
  .transform(({ rrule, mode, count, until }) => ({ rrule: rrule.replace(/^RRULE:/i, ''), mode, count: count ?? null, until: until ?? null }));

const Reminder = z
  .union([
    z.strictObject({ at: IsoDateTime }),
    z.strictObject({
      before: z
        .string()
        .refine((d) => durationMs(d) !== null, { error: 'expected an ISO 8601 duration of weeks, days, hours, minutes, seconds, e.g. PT15M' })
        .meta({ pattern: DURATION_PATTERN, description: 'an ISO 8601 duration of weeks, days, hours, minutes, seconds (no months or years), e.g. PT15M', example: 'PT15M' }),
    }),
  ])
  .transform((r): Reminder => ('at' in r ? { at: r.at, before: null } : { at: null, before: r.before }))
  .meta({ description: 'exactly one of: at (an instant), before (a duration before dueAt)' });

const Reminders = z.array(Reminder).max(LIMITS.remindersMax);

export const CreateTaskBody = z.strictObject({
  title: Title,
  description: Description.optional(),
  priority: Priority.default('medium'),
  tags: Tags.optional(),
  dueAt: IsoDateTime.nullable().optional(),
  timeZone: TimeZone.nullable().optional(),
  recurrence: Recurrence.nullable().optional(),
  reminders: Reminders.optional(),
  muted: z.boolean().optional(),
});

/** Every field optional; null clears a nullable field; arrays replace. */
export const PatchTaskBody = z.strictObject({
  title: Title.optional(),
  description: Description.optional(),
  priority: Priority.optional(),
  tags: Tags.optional(),
  dueAt: IsoDateTime.nullable().optional(),
  timeZone: TimeZone.nullable().optional(),
  recurrence: Recurrence.nullable().optional(),
  reminders: Reminders.optional(),
  muted: z.boolean().optional(),
});

const HHMM = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'expected HH:mm (24 h)');

export const SettingsBody = z.strictObject({
  timeZone: TimeZone.optional(),
  quietHours: z
    .strictObject({ start: HHMM.meta({ example: '22:00' }), end: HHMM.meta({ example: '07:00' }) })
    .refine((q) => q.start !== q.end, 'start and end must differ')
    .meta({ description: 'start and end differ (an empty window is null)', example: { start: '22:00', end: '07:00' } })
    .nullable()
    .optional(),
  channels: z.strictObject({ email: z.boolean().optional(), push: z.boolean().optional() }).optional(),
});

export type CreateTaskInput = z.output<typeof CreateTaskBody>;
export type PatchTaskInput = z.output<typeof PatchTaskBody>;
export type SettingsInput = z.output<typeof SettingsBody>;

/** Parses `body` or throws a 400 naming every problem by its path. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined) throw new ValidationError('a JSON body is required', { details: [] });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('the body must be a JSON object', { details: [] });
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    code: issue.code === 'custom' && typeof issue.params?.code === 'string' ? issue.params.code : issue.code,
    message: issue.message,
    ...(issue.code === 'unrecognized_keys' ? { keys: issue.keys } : {}),
  }));
  const first = details[0]!;
  throw new ValidationError(`${first.path || 'body'}: ${first.message}`, { details });
}

export function taskFieldsFromCreate(input: CreateTaskInput): TaskFields {
  return checkTaskFields({
    title: input.title,
    description: input.description ?? null,
    priority: input.priority,
    tags: input.tags ?? [],
    dueAt: input.dueAt ?? null,
    timeZone: input.timeZone ?? null,
    recurrence: input.recurrence ?? null,
    reminders: input.reminders ?? [],
    muted: input.muted ?? false,
  });
}

/** The patch as a partial of TaskFields: only the fields the client sent. */
export function taskPatchFrom(input: PatchTaskInput): Partial<TaskFields> {
  const patch: Partial<TaskFields> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value !== undefined) (patch as Record<string, unknown>)[key] = value;
  }
  return patch;
}

/** Rules across fields, checked on the whole task after a create or a patch. */
export function checkTaskFields(fields: TaskFields): TaskFields {
  if (fields.dueAt === null && fields.reminders.some((r) => r.before !== null)) {
    throw new ValidationError('reminders: a reminder "before" the due time needs dueAt', {
      details: [{ path: 'reminders', code: 'custom', message: 'set dueAt or use { at }' }],
    });
  }
  return fields;
}

export const DEFAULT_SETTINGS: UserSettings = { timeZone: 'UTC', quietHours: null, channels: { email: false, push: false } };

export function mergeSettings(current: UserSettings, input: SettingsInput): UserSettings {
  return {
    timeZone: input.timeZone ?? current.timeZone,
    quietHours: input.quietHours === undefined ? current.quietHours : input.quietHours,
    channels: {
      email: input.channels?.email ?? current.channels.email,
      push: input.channels?.push ?? current.channels.push,
    },
  };
}
