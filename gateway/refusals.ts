// What the gateway refuses that a JSON Schema cannot state: a request can match /openapi.json to
// the letter and still be a client's mistake (a cursor this endpoint never issued, an empty
// quiet-hours window, a message of white space, a key already used for another request). Each
// refusal is listed here once, per operation, with its status and stable error code; the
// document carries them as `x-refusals` on the operation and in the words of that status's
// response, so a client (and the fuzzer, test/fuzz/hooks.py) can tell such a refusal from a
// schema-valid request wrongly refused. Keep each true: gateway/refusals.unit.spec.ts sends the
// example through the validation the route runs.
export interface Refusal {
  status: 400 | 422;
  /** The `error.code` of the answer. */
  code: string;
  /** For VALIDATION_FAILED: the `details[].path` it names (a field, a query parameter). */
  path?: string;
  /** What is refused, in words. */
  rule: string;
}

const CURSOR: Refusal = {
  status: 400,
  code: 'VALIDATION_FAILED',
  path: 'cursor',
  rule: 'a cursor this endpoint did not issue (forged, garbled, or of another sort): start again without one',
};

/** RFC 5545's grammar and what a rule means are more than a pattern can say. */
const RRULE: Refusal = {
  status: 400,
  code: 'VALIDATION_FAILED',
  path: 'recurrence.rrule',
  rule: 'an RRULE that does not parse, names no FREQ, or can never recur (COUNT=0, INTERVAL=0, BYMONTHDAY=31 with BYMONTH=2, values out of range)',
};

/** A rule across fields, on the whole task after a create or a patch (validation.ts checkTaskFields). */
const BEFORE_NEEDS_DUE: Refusal = {
  status: 400,
  code: 'VALIDATION_FAILED',
  path: 'reminders',
  rule: 'a reminder "before" the due time on a task without dueAt (as the task is after the patch)',
};

/** On every operation that takes an Idempotency-Key. */
export const IDEMPOTENCY_KEY_REUSED: Refusal = {
  status: 422,
  code: 'IDEMPOTENCY_KEY_REUSED',
  rule: 'an Idempotency-Key already used for a different request (another method, path or body)',
};

export const REFUSALS: Readonly<Record<string, readonly Refusal[]>> = {
  listTasks: [
    CURSOR,
    // Rules across parameters, or after lower-casing and de-duplication: no pattern states them.
    { status: 400, code: 'VALIDATION_FAILED', path: 'dueFrom', rule: 'a dueFrom after dueTo' },
    { status: 400, code: 'VALIDATION_FAILED', path: 'completedFrom', rule: 'a completedFrom after completedTo' },
    { status: 400, code: 'VALIDATION_FAILED', path: 'q', rule: 'more than 8 distinct words in q' },
    { status: 400, code: 'VALIDATION_FAILED', path: 'tag', rule: 'more than 50 distinct tags, or a tag over 64 characters once lower-cased' },
  ],
  taskHistory: [{ ...CURSOR, rule: 'a cursor this endpoint did not issue (forged or garbled): start again without one' }],
  putSettings: [{ status: 400, code: 'VALIDATION_FAILED', path: 'quietHours', rule: 'quiet hours whose start equals their end: an empty window means no quiet hours, send null' }],
  chat: [
    { status: 400, code: 'MESSAGE_EMPTY', rule: 'a message of white space only' },
    { status: 400, code: 'INVALID_MESSAGE', rule: 'a message with control characters' },
  ],
  createTask: [RRULE, BEFORE_NEEDS_DUE],
  updateTask: [RRULE, BEFORE_NEEDS_DUE],
};

/** The refusals of an operation, the Idempotency-Key's included when it takes one. */
export function refusalsOf(operationId: string, takesIdempotencyKey: boolean): Refusal[] {
  return [...(REFUSALS[operationId] ?? []), ...(takesIdempotencyKey ? [IDEMPOTENCY_KEY_REUSED] : [])];
}
