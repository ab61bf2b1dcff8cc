// Pieces shared by the task and settings routes: the command context of a request, If-Match,
// the answer shapes, and the response schemas for /openapi.json.
import { z } from 'zod';
import type { CommandContext } from '../../domain/task-commands.js';
import { nameBasedId } from '../../domain/name-based-id.js';
import type { TaskView } from '../../domain/task.js';
import { ValidationError } from '../../platform/http-errors.js';
import { userIdOf, type GatewayContext } from '../http/state.js';
import { toTaskResource } from '../../contracts/task-resource.js';
import type { HeaderSpec } from '../route-table.js';

export interface Clock {
  now(): number;
  newId(): string;
}

/** Once per request: under an Idempotency-Key its new ids are the n-th of the claim's seed, in order. */
export function commandContext(ctx: GatewayContext, clock: Clock): CommandContext {
  const seed = ctx.state.idSeed;
  let n = 0;
  const newId = seed === undefined ? () => clock.newId() : () => nameBasedId('IdempotentRequest', seed, n++);
  return { userId: userIdOf(ctx), correlationId: ctx.state.correlationId, now: clock.now(), newId };
}

/** `"3"`, `W/"3"` or `3` → 3; `*` or absent → null (no precondition). */
export function parseIfMatch(header: string): number | null {
  const value = header.trim();
  if (value === '' || value === '*') return null;
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(value);
  if (!match) {
    throw new ValidationError('If-Match must be a task version, e.g. "3"', { details: [{ path: 'If-Match', value }] }, 'INVALID_IF_MATCH');
  }
  return Number(match[1]);
}

export const etag = (version: number): string => `"${version}"`;

export function sendTask(ctx: GatewayContext, view: TaskView, status = 200): void {
  ctx.status = status;
  ctx.set('ETag', etag(view.version));
  ctx.body = toTaskResource(view);
}

export function sendAccepted(ctx: GatewayContext, status: 'accepted' | 'queued', ids: { taskId?: string; eventId: string }): void {
  ctx.status = 202;
  ctx.body = { status, ...ids };
}

/** Task ids are ours (UUIDs, or deterministic ids from the recurrence processor). */
export const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'stable, for programs: VALIDATION_FAILED, NOT_FOUND, VERSION_MISMATCH, ...' }),
      message: z.string(),
      details: z.unknown(),
    }),
  })
  .meta({ id: 'Error' });

export const AcceptedSchema = z
  .object({
    status: z.enum(['accepted', 'queued']).meta({
      description: 'accepted: in the log, not yet confirmed by the view; queued: in the outbox while the broker is unreachable',
    }),
    taskId: z.string().optional(),
    eventId: z.uuid(),
  })
  .meta({ id: 'Accepted' });

export const EmptyBody = z.strictObject({}).meta({ description: 'no body, or {}' });

export const IF_MATCH = {
  name: 'If-Match',
  description: 'the version (ETag) the change is based on, "3", W/"3" or 3; * or absent: no precondition; 409 when the task has moved on',
  // What parseIfMatch accepts.
  schema: { type: 'string', pattern: String.raw`^[ \t]*(\*|(W/)?"?[0-9]{1,15}"?)?[ \t]*$`, example: '"3"' },
};
export const PREFER = {
  name: 'Prefer',
  description: 'respond-async: answer 202 at once instead of waiting for the view; wait=<s> shortens the wait',
};
export const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  description: 'a retry with the same key returns the first answer; 1 to 255 visible ASCII characters',
  // What gateway/idempotency.ts accepts (0x21 to 0x7e).
  schema: { type: 'string', pattern: '^[!-~]{1,255}$' },
  responses: {
    400: { description: 'INVALID_IDEMPOTENCY_KEY: not 1 to 255 visible ASCII characters', schema: ErrorSchema },
    409: { description: 'IDEMPOTENCY_IN_PROGRESS: a request with this key is still running; retry later', schema: ErrorSchema },
    422: { description: 'IDEMPOTENCY_KEY_REUSED: this key was used for a different request', schema: ErrorSchema },
  },
} satisfies HeaderSpec;
