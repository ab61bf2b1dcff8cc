// GET /v1/tasks: the query parameters, checked at the door, turned into a plan of MongoDB finds.
// Pure: no I/O and no clock, so every rule below is unit-tested in milliseconds
// (task-query.unit.spec.ts); routes/task-list.ts runs the plan.
//
// Ordering. Every sort ends with _id, so the order is total and a page boundary is exact:
//   createdAt   createdAt ↑, _id ↑                -createdAt  the exact reverse (the default)
//   priority    priorityRank ↑ (high first), createdAt ↓, _id ↓      -priority  the exact reverse
//   dueAt       dueAt ↑, createdAt ↓, _id ↓                          -dueAt     dueAt ↓, createdAt ↑, _id ↑
// so one index per sort field serves both directions (the descending sort walks it backwards).
// Tasks without a due date come LAST for dueAt and -dueAt alike. MongoDB orders null before
// every number, so no single sort can do that without a computed field; instead the plan has
// two steps, run in order until the page is full: the dated tasks (dueAt ≠ null) in the sort's
// order, then the undated ones (dueAt = null) by the same tie-breakers (createdAt, _id). A
// cursor whose dueAt is null points into the second step, so the first is skipped.
//
// Pagination is keyset, never skip: the cursor carries the last item's sort values and _id, and
// the next page asks for what comes strictly after them, as an $or of comparisons
// (k1 > v1) or (k1 = v1 and k2 > v2) or (k1 = v1 and k2 = v2 and _id > id), with < where a key
// descends. The cursor is base64url JSON naming its sort; it is checked field by field, so a
// forged or damaged cursor, or one from another sort, is a 400, never a 500. It grants nothing:
// the filter always holds the caller's userId.
//
// Only what FerretDB 1.x runs: $regex, $in, $all, $or, $and, range operators; no $facet, no
// $lookup, no computed sort keys. FerretDB filters and sorts in its own process after reading
// rows from its backend, pushing down into SQL only top-level equalities (and $ne) on scalars
// (PostgreSQL backend; SQLite pushes down nothing but _id), so the filter says
// `status: 'pending'` rather than `status: {$in: ['pending']}` wherever both mean the same:
// bench/query.bench.ts measured that as 4x faster at 10,000 tasks.
import { z } from 'zod';
import { LIMITS, normalizeTags } from '../domain/task-rules.js';
import { PrioritySymbols, type Priority } from '../contracts/avro/generated/avro-types.js';
import { ValidationError } from '../platform/http-errors.js';
import { INSTANT_PATTERN, INSTANT_RANGE, IsoDateTime, safeText, SINGLE_LINE_CONTROLS } from './validation.js';
import { SORTS, type SortName } from '../contracts/http.js';

export const LISTABLE_STATUSES = ['pending', 'completed'] as const;
export type ListableStatus = (typeof LISTABLE_STATUSES)[number];

export { SORTS, type SortName };
export const DEFAULT_SORT: SortName = '-createdAt';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;
/** 1 to 200 as the query text the limit regex and range take (up to three leading zeros). */
export const WHOLE_1_TO_200 = '^0{0,3}([1-9]|[1-9][0-9]|1[0-9]{2}|200)$';
const MAX_WORDS = 8;
const MAX_Q_LENGTH = 200;

/** The document fields a sort or a cursor reads. */
export type SortField = 'priorityRank' | 'dueAt' | 'createdAt' | '_id';
export interface SortKey {
  field: SortField;
  dir: 1 | -1;
}

export type MongoFilter = Record<string, unknown>;
export type MongoSort = Record<string, 1 | -1>;

/** One find of the plan: the filter (scope, parameters, cursor) and its sort. */
export interface QueryStep {
  filter: MongoFilter;
  sort: MongoSort;
}

export interface TaskListPlan {
  sort: SortName;
  /** The page size; each step asks for at most limit + 1 documents, the extra one says "more". */
  limit: number;
  /** The sort keys a cursor records, in order (dueAt included for the dueAt sorts). */
  keys: SortKey[];
  /** The caller's scope and the parameters, without the cursor: what the steps narrow. */
  filter: MongoFilter;
  /** Run in order until limit + 1 documents are found. */
  steps: QueryStep[];
}

export interface Range {
  from: number | null;
  to: number | null;
}

export interface TaskListQuery {
  words: string[];
  status: ListableStatus[];
  priority: Priority[] | null;
  tags: string[];
  due: Range | null;
  completed: Range | null;
  sort: SortName;
  limit: number;
  /** The decoded cursor: one value per sort key, _id last. */
  after: CursorValues | null;
}

export type CursorValues = (string | number | null)[];

// ---------------------------------------------------------------------------------------------
// Parameters

/** A query value arrives as an array when the parameter is repeated. */
const single = z.string({ error: 'give this parameter once' });

const commaList = (text: string): string[] => [
  ...new Set(
    text
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  ),
];

/**
 * A comma list of `values` as commaList reads it, for /openapi.json: items trimmed, blank items
 * skipped, at least one value named; or the empty text, which is taken as absent (withoutEmpty).
 */
export const commaListPattern = (values: readonly string[]): string => {
  const name = `(?:${values.join('|')})`;
  const item = `\\s*(?:${name}\\s*)?`;
  return `^(?:(?:${item},)*\\s*${name}\\s*(?:,${item})*)?$`;
};

/**
 * The tag parameter's text as the document states it: comma-separated tags, each trimmed (so
 * white space of any kind around it goes) and then without control characters; blank items
 * skipped, at least one tag unless the whole value is empty (absent). Lengths and counts after
 * lower-casing and de-duplication are refusals (gateway/refusals.ts).
 */
const TAG_CORE = `[^\\s,${SINGLE_LINE_CONTROLS}](?:[^,${SINGLE_LINE_CONTROLS}]*[^\\s,${SINGLE_LINE_CONTROLS}])?`;
const TAG_LIST = `^(?:(?:\\s*,)*\\s*${TAG_CORE}\\s*(?:,\\s*(?:${TAG_CORE}\\s*)?)*)?$`;

const enumList = <const T extends readonly [string, ...string[]]>(values: T, what: string) =>
  single
    .transform(commaList)
    .pipe(z.array(z.enum(values, { error: `each ${what} must be one of ${values.join(', ')}` })).min(1, `name at least one ${what}`))
    .meta({ pattern: commaListPattern(values) });

// The format is the input's (z.toJSONSchema describes a pipe by its input side, a plain string).
// An empty value is taken as absent, so the document admits it beside the instant.
const instant = (description: string) =>
  single.pipe(IsoDateTime).meta({
    description: `${description}, ${INSTANT_RANGE}; empty: as if absent`,
    example: '2026-05-01T00:00:00Z',
    anyOf: [{ type: 'string', format: 'date-time', pattern: INSTANT_PATTERN }, { type: 'string', maxLength: 0 }],
  });

/**
 * The parameters as zod sees them once empty values are dropped (`?q=&status=` means "no q, no
 * status", as forms send them). Strict: a misspelt parameter is refused rather than ignored.
 * /openapi.json describes the input side of this schema.
 */
export const TaskListQuerySchema = z.strictObject({
  q: single
    .pipe(safeText({ maxChars: MAX_Q_LENGTH }, 'q'))
    .transform((text) => [...new Set(text.toLowerCase().split(/\s+/u).filter((word) => word !== ''))])
    .pipe(z.array(z.string()).max(MAX_WORDS, `q has at most ${MAX_WORDS} words`))
    .optional()
    .meta({
      description: `keywords, case-insensitive; every word must occur in the title or the description; at most ${MAX_Q_LENGTH} characters and ${MAX_WORDS} distinct words`,
      maxLength: MAX_Q_LENGTH,
      pattern: `^[^${SINGLE_LINE_CONTROLS}]*$`,
    }),
  status: enumList(LISTABLE_STATUSES, 'status')
    .optional()
    .meta({ description: 'pending, completed, or both comma-separated (default both; deleted tasks are never listed)' }),
  priority: enumList(PrioritySymbols, 'priority').optional().meta({ description: 'comma-separated: high, medium, low' }),
  tag: z
    .union([single, z.array(z.string())])
    .transform((value) => normalizeTags((typeof value === 'string' ? [value] : value).flatMap(commaList)))
    .pipe(
      z
        .array(safeText({ maxChars: LIMITS.tagMax }, 'a tag'))
        .min(1, 'name at least one tag')
        .max(LIMITS.tagsMax, `at most ${LIMITS.tagsMax} tags`),
    )
    .optional()
    .meta({
      description: `repeat or comma-separate; a task must carry every tag named (at most ${LIMITS.tagsMax}, each at most ${LIMITS.tagMax} characters once trimmed and lower-cased)`,
      anyOf: [
        { type: 'string', pattern: TAG_LIST },
        { type: 'array', items: { type: 'string', pattern: TAG_LIST } },
      ],
    }),
  dueFrom: instant('due at or after this instant (inclusive)').optional(),
  dueTo: instant('due before this instant (exclusive)').optional(),
  completedFrom: instant('completed at or after this instant (inclusive)').optional(),
  completedTo: instant('completed before this instant (exclusive)').optional(),
  sort: z
    .enum(SORTS, { error: `sort must be one of ${SORTS.join(', ')}` })
    .optional()
    .meta({
      description:
        'priority (high first), dueAt (soonest first), createdAt (oldest first); prefix - to reverse; default -createdAt; empty: the default. ' +
        'Tasks without a due date come last for dueAt and -dueAt alike.',
      enum: [...SORTS, ''],
    }),
  limit: single
    .regex(/^\d{1,6}$/, `limit must be a whole number from 1 to ${MAX_LIMIT}`)
    .transform(Number)
    .pipe(z.number().int().min(1, 'limit must be at least 1').max(MAX_LIMIT, `limit must be at most ${MAX_LIMIT}`))
    .optional()
    // The document states the whole rule (digits, 1 to 200), not only the digits the regex checks.
    .meta({ description: `page size, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}; empty: the default)`, pattern: `^(?:${WHOLE_1_TO_200.slice(1, -1)})?$` }),
  cursor: single
    .max(1024, 'not a cursor this endpoint issued')
    .regex(/^[A-Za-z0-9_-]+$/, 'not a cursor this endpoint issued')
    .optional()
    .meta({ description: 'nextCursor of the previous page, with the same sort; empty: the first page', pattern: '^[A-Za-z0-9_-]*$' }),
});

export type RawQuery = Record<string, string | string[] | undefined>;

interface Issue {
  path: string;
  code: string;
  message: string;
}

const invalid = (issues: Issue[]): ValidationError =>
  new ValidationError(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), { details: issues });

/** Drops empty values, so `?q=&tag=` is the same as no q and no tag. */
function withoutEmpty(raw: RawQuery): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      const values = value.filter((v) => v !== '');
      if (values.length > 0) kept[name] = values.length === 1 ? values[0]! : values;
    } else if (value !== '') {
      kept[name] = value;
    }
  }
  return kept;
}

const rangeOf = (from: number | undefined, to: number | undefined): Range | null =>
  from === undefined && to === undefined ? null : { from: from ?? null, to: to ?? null };

/** Checks the query string (as Koa parses it); throws a ValidationError (400) naming every problem. */
export function parseTaskListQuery(raw: RawQuery): TaskListQuery {
  const result = TaskListQuerySchema.safeParse(withoutEmpty(raw));
  if (!result.success) {
    throw invalid(
      result.error.issues.flatMap((issue): Issue[] =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => ({ path: key, code: 'unrecognized_keys', message: 'unknown parameter' }))
          : [{ path: String(issue.path[0] ?? 'query'), code: issue.code, message: issue.message }],
      ),
    );
  }
  const p = result.data;
  const issues: Issue[] = [];
  if (p.dueFrom !== undefined && p.dueTo !== undefined && p.dueFrom > p.dueTo) {
    issues.push({ path: 'dueFrom', code: 'custom', message: 'dueFrom must not be after dueTo' });
  }
  if (p.completedFrom !== undefined && p.completedTo !== undefined && p.completedFrom > p.completedTo) {
    issues.push({ path: 'completedFrom', code: 'custom', message: 'completedFrom must not be after completedTo' });
  }
  const sort = p.sort ?? DEFAULT_SORT;
  let after: CursorValues | null = null;
  if (p.cursor !== undefined) {
    const decoded = decodeCursor(p.cursor, sort);
    if (typeof decoded === 'string') issues.push({ path: 'cursor', code: 'invalid_cursor', message: decoded });
    else after = decoded;
  }
  if (issues.length > 0) throw invalid(issues);
  return {
    words: p.q ?? [],
    status: p.status ?? [...LISTABLE_STATUSES],
    priority: p.priority ?? null,
    tags: p.tag ?? [],
    due: rangeOf(p.dueFrom, p.dueTo),
    completed: rangeOf(p.completedFrom, p.completedTo),
    sort,
    limit: p.limit ?? DEFAULT_LIMIT,
    after,
  };
}

// ---------------------------------------------------------------------------------------------
// Sorts and cursors

const ASCENDING: Record<'createdAt' | 'priority' | 'dueAt', SortKey[]> = {
  createdAt: [
    { field: 'createdAt', dir: 1 },
    { field: '_id', dir: 1 },
  ],
  // Ties (same priority, same due instant) show the newest task first.
  priority: [
    { field: 'priorityRank', dir: 1 },
    { field: 'createdAt', dir: -1 },
    { field: '_id', dir: -1 },
  ],
  dueAt: [
    { field: 'dueAt', dir: 1 },
    { field: 'createdAt', dir: -1 },
    { field: '_id', dir: -1 },
  ],
};

/** The keys of a sort: `-x` is the exact reverse of `x`. */
export function sortKeys(sort: SortName): SortKey[] {
  const descending = sort.startsWith('-');
  const keys = ASCENDING[(descending ? sort.slice(1) : sort) as keyof typeof ASCENDING];
  return descending ? keys.map(({ field, dir }) => ({ field, dir: dir === 1 ? -1 : 1 })) : keys;
}

/** The values a cursor may hold for each key; anything else was not issued by us. */
const CURSOR_VALUE: Record<SortField, z.ZodType> = {
  priorityRank: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  dueAt: z.number().int().nullable(),
  createdAt: z.number().int(),
  _id: z.string().min(1).max(200),
};

const CursorPayload = z.strictObject({ v: z.literal(1), s: z.string(), k: z.array(z.unknown()) });

export function encodeCursor(sort: SortName, values: CursorValues): string {
  return Buffer.from(JSON.stringify({ v: 1, s: sort, k: values }), 'utf8').toString('base64url');
}

/** The cursor's values, or why it is refused. */
export function decodeCursor(cursor: string, sort: SortName): CursorValues | string {
  const forged = 'not a cursor this endpoint issued; start again without a cursor';
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return forged;
  }
  const payload = CursorPayload.safeParse(json);
  if (!payload.success) return forged;
  const { s, k } = payload.data;
  if (s !== sort) return `this cursor belongs to sort=${s}, not sort=${sort}; start again without a cursor`;
  const keys = sortKeys(sort);
  if (k.length !== keys.length) return forged;
  if (!keys.every((key, i) => CURSOR_VALUE[key.field].safeParse(k[i]).success)) return forged;
  return k as CursorValues;
}

/** The cursor that continues after `doc`, the last item of a page. */
export function cursorAfter(plan: Pick<TaskListPlan, 'sort' | 'keys'>, doc: Record<string, unknown>): string {
  return encodeCursor(
    plan.sort,
    plan.keys.map(({ field }) => {
      const value = doc[field];
      if (value === null || value === undefined) return null;
      if (field === '_id') return typeof value === 'string' ? value : JSON.stringify(value);
      return Number(value); // a Long from the driver becomes a number
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The plan

/** Regex metacharacters made literal, so `c++` or `50%)` search for themselves. */
export const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

function rangeFilter({ from, to }: Range): MongoFilter {
  return { ...(from !== null ? { $gte: from } : {}), ...(to !== null ? { $lt: to } : {}) };
}

/** Strictly after `values` in the order of `keys`. */
export function afterFilter(keys: SortKey[], values: CursorValues): MongoFilter {
  return {
    $or: keys.map((key, i) => {
      const clause: MongoFilter = {};
      for (let j = 0; j < i; j++) clause[keys[j]!.field] = values[j];
      clause[key.field] = { [key.dir === 1 ? '$gt' : '$lt']: values[i] };
      return clause;
    }),
  };
}

const toSort = (keys: SortKey[]): MongoSort => Object.fromEntries(keys.map(({ field, dir }) => [field, dir]));

function withClauses(base: MongoFilter, extra: MongoFilter, clauses: MongoFilter[]): MongoFilter {
  return clauses.length === 0 ? { ...base, ...extra } : { ...base, ...extra, $and: clauses };
}

const ALL_STATUSES = ['pending', 'completed', 'deleted'] as const;

/**
 * `field ∈ wanted` for a field that always holds one of `all`: an equality for one value, a
 * $ne for all but one, nothing for all of them, else $in.
 */
function oneOf<T extends string>(wanted: readonly T[], all: readonly T[]): unknown {
  const set = new Set(wanted);
  const missing = all.filter((value) => !set.has(value));
  if (set.size === 1) return wanted[0];
  if (missing.length === 0) return undefined;
  if (missing.length === 1) return { $ne: missing[0] };
  return { $in: [...set] };
}

/** The finds that answer `query` for `userId`, in order. */
export function planTaskList(userId: string, query: TaskListQuery): TaskListPlan {
  // Listing never shows deleted tasks. Conditions are written as top-level equalities (or $ne)
  // wherever that says the same thing: FerretDB's PostgreSQL backend pushes exactly those down
  // into SQL, and leaves $in, $all, $or and ranges for its own (slower) filtering.
  const filter: MongoFilter = { userId, status: oneOf(query.status, ALL_STATUSES) };
  if (query.priority) {
    const priority = oneOf(query.priority, PrioritySymbols);
    if (priority !== undefined) filter.priority = priority;
  }
  const [firstTag, ...otherTags] = query.tags;
  if (firstTag !== undefined) filter.tags = firstTag; // an array field equals a value it contains
  if (query.due) filter.dueAt = rangeFilter(query.due);
  if (query.completed) filter.completedAt = rangeFilter(query.completed);
  const words: MongoFilter[] = query.words.map((word) => {
    const pattern = { $regex: escapeRegex(word), $options: 'i' };
    return { $or: [{ title: pattern }, { description: pattern }] };
  });
  if (otherTags.length > 0) words.unshift({ tags: { $all: otherTags } });

  const keys = sortKeys(query.sort);
  const after = query.after;
  const plan = { sort: query.sort, limit: query.limit, keys, filter };

  if (keys[0]!.field !== 'dueAt') {
    const clauses = after ? [...words, afterFilter(keys, after)] : words;
    return { ...plan, steps: [{ filter: withClauses(filter, {}, clauses), sort: toSort(keys) }] };
  }

  // dueAt, -dueAt: dated tasks first, then undated ones (see the header).
  const tieKeys = keys.slice(1);
  const steps: QueryStep[] = [];
  const inUndated = after !== null && after[0] === null;
  if (!inUndated) {
    const clauses = after ? [...words, afterFilter(keys, after)] : words;
    // A due range already leaves out null; otherwise say so.
    steps.push({ filter: withClauses(filter, query.due ? {} : { dueAt: { $ne: null } }, clauses), sort: toSort(keys) });
  }
  if (!query.due) {
    const clauses = inUndated ? [...words, afterFilter(tieKeys, after.slice(1))] : words;
    steps.push({ filter: withClauses(filter, { dueAt: null }, clauses), sort: toSort(tieKeys) });
  }
  return { ...plan, steps };
}
