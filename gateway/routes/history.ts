// GET /v1/tasks/:id/history: what happened to a task, from the audit store that Kafka Connect
// fills (connectors/audit-sink.json.tmpl), in log order, each entry with its outcome.
//
// task-events carries requests the view may still refuse (a stale If-Match, a change to a
// deleted task), so the events alone cannot say what happened. The task-view processor writes
// one task-views record per task event, in the same transaction as its input offset: applied,
// duplicate or rejected and why, with the event's partition and offset in task-events. The
// connector sinks task-views too, into `<audit>_outcomes`, one document per task-views record
// (its own topic-partition-offset as _id, so a redelivery replaces, never duplicates), read
// committed (an aborted view transaction never reaches the audit). History is then those
// outcomes in task-events order (partition, offset: one user's events share a partition),
// joined by eventId to the events themselves (actor, correlation id, payload). An event the view
// has not decided yet is listed last as `pending`. A redelivered event appears at each of its log
// positions, the later ones as `duplicate`.
import type { Collection, Document } from 'mongodb';
import { z } from 'zod';
import { db } from '../db.js';
import { NotFoundError, ValidationError } from '../../platform/http-errors.js';
import { userIdOf } from '../http/state.js';
import type { RouteSpec } from '../route-table.js';
import type { TaskReader } from '../views.js';
import { ErrorSchema, TASK_ID } from './common.js';

export interface AuditCollections {
  /** Every event, keyed by eventId (the audit connector's main collection). */
  events: Collection<Document>;
  /** Every task-views record: the outcome of each task event. */
  outcomes: Collection<Document>;
}

export interface HistoryDeps {
  audit: AuditCollections;
  tasks: TaskReader;
}

const TASK_EVENT_TYPES = ['TaskCreated', 'TaskUpdated', 'TaskCompleted', 'TaskReopened', 'TaskDeleted', 'RecurrenceCancelled'];
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

const HistoryQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, `limit must be a whole number from 1 to ${MAX_LIMIT}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_LIMIT))
    .optional()
    .meta({ description: `entries per page, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT})`, pattern: '^([1-9]|[1-9][0-9]|1[0-9]{2}|200)$' }),
  cursor: z.string().max(200).regex(/^[A-Za-z0-9_-]+$/).optional().meta({ description: 'nextCursor of the previous page' }),
});

const HistoryEntrySchema = z
  .object({
    eventId: z.string(),
    type: z.string().meta({ description: 'TaskCreated, TaskUpdated, TaskCompleted, TaskReopened, TaskDeleted, RecurrenceCancelled' }),
    occurredAt: z.string(),
    actor: z.string().nullable().meta({ description: 'user:<id> or system:<processor>; null while the event itself is not yet in the audit store' }),
    correlationId: z.string().nullable(),
    causationId: z.string().nullable(),
    outcome: z.enum(['applied', 'rejected', 'duplicate', 'pending']),
    reason: z.string().nullable().meta({ description: 'why a rejected event did not apply: VERSION_MISMATCH, DELETED, INVALID_TRANSITION, ...' }),
    message: z.string().nullable(),
    expectedVersion: z.number().nullable().meta({ description: 'the If-Match the request carried' }),
    version: z.number().nullable().meta({ description: 'the task’s version after this event (the same as before when rejected)' }),
    changes: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })).meta({ description: 'for TaskUpdated: each changed field' }),
    payload: z.unknown().meta({ description: 'the event’s payload as the audit store holds it' }),
    position: z.object({ partition: z.number(), offset: z.number() }).nullable().meta({ description: 'where the event is in task-events' }),
  })
  .meta({ id: 'HistoryEntry' });

const HistoryPageSchema = z.object({ items: z.array(HistoryEntrySchema), nextCursor: z.string().nullable() }).meta({ id: 'HistoryPage' });
type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

const encodeCursor = (partition: number, offset: number) => Buffer.from(JSON.stringify({ p: partition, o: offset })).toString('base64url');
function decodeCursor(cursor: string): { p: number; o: number } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const parsed = z.strictObject({ p: z.number().int().min(0), o: z.number().int().min(0) }).parse(value);
    return parsed;
  } catch {
    throw new ValidationError('cursor: not a cursor this endpoint issued', { details: [{ path: 'cursor' }] });
  }
}

const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : typeof value === 'number' ? new Date(value).toISOString() : String(value));
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** The audit store holds a payload union as { Branch: value, Other: null, ... }: the one set. */
function payloadOf(event: Document | undefined): Record<string, unknown> | null {
  const payload = event?.payload as Record<string, unknown> | null | undefined;
  if (!payload) return null;
  const branch = payload[String(event?.type)] ?? Object.values(payload).find((v) => v !== null);
  return (branch as Record<string, unknown> | undefined) ?? null;
}

function entryOf(event: Document | undefined, outcome: Document | undefined): HistoryEntry {
  const payload = payloadOf(event);
  const changed = Array.isArray(payload?.changed) ? (payload.changed as string[]) : [];
  const before = (payload?.before ?? {}) as Record<string, unknown>;
  const after = (payload?.after ?? {}) as Record<string, unknown>;
  const view = outcome?.view as Document | null | undefined;
  return {
    eventId: String(event?._id ?? outcome?.eventId),
    type: String(event?.type ?? outcome?.eventType),
    occurredAt: iso(event?.occurredAt ?? outcome?.occurredAt),
    actor: (event?.actor as string | undefined) ?? null,
    correlationId: (event?.correlationId as string | undefined) ?? null,
    causationId: (event?.causationId as string | null | undefined) ?? null,
    outcome: outcome ? (outcome.outcome as HistoryEntry['outcome']) : 'pending',
    reason: (outcome?.reason as string | null | undefined) ?? null,
    message: (outcome?.message as string | null | undefined) ?? null,
    expectedVersion: numOrNull(payload?.expectedVersion),
    version: numOrNull(view?.version),
    changes: changed.map((field) => ({ field, before: before[field] ?? null, after: after[field] ?? null })),
    payload,
    position: outcome ? { partition: Number(outcome.sourcePartition), offset: Number(outcome.sourceOffset) } : null,
  };
}

export function historyRoute({ audit, tasks }: HistoryDeps): RouteSpec {
  return {
    method: 'get',
    path: '/v1/tasks/:id/history',
    operationId: 'taskHistory',
    summary: "A task's events from the audit store, in log order, each with its outcome",
    description:
      'From the audit collection Kafka Connect fills: every task event of the task, in task-events order, applied, rejected (and why) or duplicate, ' +
      'with actor and correlation id; events the view has not decided yet come last as pending. Cursor paging. 404 for a task that is not yours. ' +
      'A deleted task keeps its history: this answers 200 after the task itself is 404 (its last entry is the TaskDeleted).',
    tag: 'tasks',
    auth: true,
    query: HistoryQuery,
    responses: {
      200: { description: 'one page of entries', schema: HistoryPageSchema },
      400: { description: 'invalid limit or cursor (VALIDATION_FAILED)', schema: ErrorSchema },
      401: { description: 'missing, invalid or expired token', schema: ErrorSchema },
      404: { description: 'no such task for this user (a deleted task is not 404 here: its history stays readable)', schema: ErrorSchema },
      503: { description: 'database unavailable', schema: ErrorSchema },
    },
    handler: async (ctx) => {
      const id = ctx.params.id ?? '';
      const userId = userIdOf(ctx);
      const query = HistoryQuery.safeParse(ctx.query);
      if (!query.success) throw new ValidationError(query.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '), { details: query.error.issues });
      if (!TASK_ID.test(id)) throw new NotFoundError('task not found');
      const limit = query.data.limit ?? DEFAULT_LIMIT;
      const after = query.data.cursor !== undefined ? decodeCursor(query.data.cursor) : null;
      const scope = { userId, taskId: id };

      const filter: Document = after
        ? { ...scope, $or: [{ sourcePartition: { $gt: after.p } }, { sourcePartition: after.p, sourceOffset: { $gt: after.o } }] }
        : scope;
      const outcomes = await db('read task history', () =>
        audit.outcomes.find(filter, { sort: { sourcePartition: 1, sourceOffset: 1 }, limit: limit + 1, projection: { 'view.version': 1, eventId: 1, eventType: 1, occurredAt: 1, outcome: 1, reason: 1, message: 1, sourcePartition: 1, sourceOffset: 1 } }).toArray(),
      );
      const page = outcomes.slice(0, limit);
      const more = outcomes.length > limit;
      const ids = [...new Set(page.map((o) => String(o.eventId)))];
      const events = ids.length > 0 ? await db('read task history', () => audit.events.find({ _id: { $in: ids }, userId } as Document).toArray()) : [];
      const byId = new Map(events.map((e) => [String(e._id), e]));
      const items = page.map((o) => entryOf(byId.get(String(o.eventId)), o));

      if (!more) {
        // The task's events without an outcome yet: the view (or the sink) has not caught up.
        const decided = await db('read task history', () => audit.outcomes.find(scope, { projection: { eventId: 1 } }).toArray());
        const known = new Set(decided.map((o) => String(o.eventId)));
        const all = await db('read task history', () => audit.events.find({ ...scope, type: { $in: TASK_EVENT_TYPES } }, { sort: { occurredAt: 1 } }).toArray());
        const pending = all.filter((e) => !known.has(String(e._id)));
        if (!after && items.length === 0 && pending.length === 0 && !(await tasks.get(userId, id))) throw new NotFoundError('task not found');
        items.push(...pending.map((e) => entryOf(e, undefined)));
      }
      const last = page.at(-1);
      ctx.body = { items, nextCursor: more && last ? encodeCursor(Number(last.sourcePartition), Number(last.sourceOffset)) : null };
    },
  };
}
