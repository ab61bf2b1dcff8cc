// Single-task routes: create, read, patch, complete, reopen, delete. Each write turns into
// exactly one event (domain/task-commands.ts) and answers with the materialized task once the
// view applied it (write-path.ts). Another user's task, or a deleted one, is 404.
import { createTask, lifecycleEvent, updateTask } from '../../domain/task-commands.js';
import { taskFieldsOf, type TaskView } from '../../domain/task.js';
import { ConflictError, NotFoundError } from '../../platform/http-errors.js';
import { userIdOf, type GatewayContext } from '../http/state.js';
import type { RouteSpec } from '../route-table.js';
import { TaskResourceSchema } from '../../contracts/task-resource.js';
import { checkTaskFields, CreateTaskBody, parseBody, PatchTaskBody, taskFieldsFromCreate, taskPatchFrom } from '../validation.js';
import type { TaskReader } from '../views.js';
import type { WritePath, WriteResult } from '../write-path.js';
import {
  AcceptedSchema,
  commandContext,
  EmptyBody,
  ErrorSchema,
  IDEMPOTENCY_KEY,
  IF_MATCH,
  parseIfMatch,
  PREFER,
  sendAccepted,
  sendTask,
  TASK_ID,
  type Clock,
} from './common.js';

export interface TaskRouteDeps {
  tasks: TaskReader;
  writes: WritePath;
  clock: Clock;
}

/** Where the task came from, for TaskCreated.source: a client may say which one it is. */
const SOURCES = new Set(['api', 'web', 'chat', 'mobile', 'cli']);
const sourceOf = (ctx: GatewayContext): string => {
  const claimed = ctx.get('x-client').trim().toLowerCase();
  return SOURCES.has(claimed) ? claimed : 'api';
};

const errors = {
  400: { description: 'invalid input (code VALIDATION_FAILED, MALFORMED_JSON, INVALID_IF_MATCH, ...)', schema: ErrorSchema },
  401: { description: 'missing, invalid or expired token', schema: ErrorSchema },
};
const notFound = { 404: { description: 'no such task for this user (or deleted)', schema: ErrorSchema } };
const writeErrors = {
  ...errors,
  409: { description: 'VERSION_MISMATCH, INVALID_TRANSITION, or IDEMPOTENCY_IN_PROGRESS', schema: ErrorSchema },
  413: { description: 'body over 64 KB', schema: ErrorSchema },
  415: { description: 'body not application/json', schema: ErrorSchema },
  422: { description: 'Idempotency-Key reused for a different request', schema: ErrorSchema },
  503: { description: 'database unavailable', schema: ErrorSchema },
};
const accepted = {
  202: { description: 'accepted (Prefer: respond-async, or the view did not confirm in time) or queued (broker unreachable)', schema: AcceptedSchema },
};

export function taskRoutes({ tasks, writes, clock }: TaskRouteDeps): RouteSpec[] {
  /** The caller's live task, or 404: absent, someone else's and deleted all look the same. */
  const liveTask = async (ctx: GatewayContext): Promise<TaskView> => {
    const id = ctx.params.id ?? '';
    const view = TASK_ID.test(id) ? await tasks.get(userIdOf(ctx), id) : null;
    if (!view || view.status === 'deleted') throw new NotFoundError('task not found');
    return view;
  };

  /** A version below the view's is stale for sure (versions only grow): refuse without an event. */
  const checkPrecondition = (view: TaskView, expected: number | null): void => {
    if (expected !== null && expected < view.version) {
      throw new ConflictError('VERSION_MISMATCH', `task ${view.id} is at version ${view.version}, not ${expected}`, {
        details: { currentVersion: view.version },
      });
    }
  };

  const answer = (ctx: GatewayContext, result: WriteResult, status: number): void => {
    if (result.kind === 'applied') {
      if (status === 204) {
        ctx.status = 204;
        return;
      }
      sendTask(ctx, result.view, status);
    } else {
      sendAccepted(ctx, result.kind, { taskId: result.taskId, eventId: result.eventId });
    }
  };

  const lifecycle = (type: 'TaskCompleted' | 'TaskReopened' | 'TaskDeleted', status: number): RouteSpec['handler'] => {
    return async (ctx) => {
      const expected = parseIfMatch(ctx.get('if-match'));
      if (ctx.request.body !== undefined) parseBody(EmptyBody, ctx.request.body);
      const view = await liveTask(ctx);
      checkPrecondition(view, expected);
      const event = lifecycleEvent(commandContext(ctx, clock), type, view.id, expected);
      answer(ctx, await writes.submitTask(ctx, event), status);
    };
  };

  const lifecycleSpec = (path: string, operationId: string, summary: string, type: 'TaskCompleted' | 'TaskReopened'): RouteSpec => ({
    method: 'post',
    path,
    operationId,
    summary,
    tag: 'tasks',
    auth: true,
    write: true,
    body: EmptyBody,
    headers: [IF_MATCH, PREFER, IDEMPOTENCY_KEY],
    responses: {
      200: { description: 'the task after the change', schema: TaskResourceSchema, headers: { ETag: 'the new version' } },
      ...accepted,
      ...writeErrors,
      ...notFound,
    },
    handler: lifecycle(type, 200),
  });

  return [
    {
      method: 'post',
      path: '/v1/tasks',
      operationId: 'createTask',
      summary: 'Create a task',
      tag: 'tasks',
      auth: true,
      write: true,
      body: CreateTaskBody,
      headers: [PREFER, IDEMPOTENCY_KEY, { name: 'X-Client', description: 'the client: web, chat, mobile, cli or api (default)' }],
      responses: {
        201: { description: 'created; the materialized task', schema: TaskResourceSchema, headers: { ETag: 'version', Location: 'the task' } },
        ...accepted,
        ...writeErrors,
      },
      handler: async (ctx) => {
        const fields = taskFieldsFromCreate(parseBody(CreateTaskBody, ctx.request.body));
        const cmd = commandContext(ctx, clock);
        const event = createTask(cmd, cmd.newId(), fields, { source: sourceOf(ctx) });
        ctx.set('Location', `/v1/tasks/${event.taskId}`);
        answer(ctx, await writes.submitTask(ctx, event), 201);
      },
    },
    {
      method: 'get',
      path: '/v1/tasks/:id',
      operationId: 'getTask',
      summary: 'Read one task',
      tag: 'tasks',
      auth: true,
      headers: [{ name: 'If-None-Match', description: 'a version (ETag): 304 when unchanged' }],
      responses: {
        200: { description: 'the task', schema: TaskResourceSchema, headers: { ETag: 'version' } },
        304: { description: 'not modified since the version in If-None-Match' },
        ...errors,
        ...notFound,
      },
      handler: async (ctx) => {
        const view = await liveTask(ctx);
        sendTask(ctx, view);
        if (ctx.fresh) ctx.status = 304;
      },
    },
    {
      method: 'patch',
      path: '/v1/tasks/:id',
      operationId: 'updateTask',
      summary: 'Change some fields of a task',
      description: 'Only the fields sent change; null clears a nullable field. A patch that changes nothing answers 200 without an event.',
      tag: 'tasks',
      auth: true,
      write: true,
      body: PatchTaskBody,
      headers: [IF_MATCH, PREFER, IDEMPOTENCY_KEY],
      responses: {
        200: { description: 'the task after the change', schema: TaskResourceSchema, headers: { ETag: 'the new version' } },
        ...accepted,
        ...writeErrors,
        ...notFound,
      },
      handler: async (ctx) => {
        const expected = parseIfMatch(ctx.get('if-match'));
        const patch = taskPatchFrom(parseBody(PatchTaskBody, ctx.request.body));
        const view = await liveTask(ctx);
        checkPrecondition(view, expected);
        checkTaskFields({ ...taskFieldsOf(view), ...patch });
        const event = updateTask(commandContext(ctx, clock), view, patch, expected);
        if (!event) {
          sendTask(ctx, view);
          return;
        }
        answer(ctx, await writes.submitTask(ctx, event), 200);
      },
    },
    lifecycleSpec('/v1/tasks/:id/complete', 'completeTask', 'Mark a task completed', 'TaskCompleted'),
    lifecycleSpec('/v1/tasks/:id/reopen', 'reopenTask', 'Make a completed task pending again', 'TaskReopened'),
    {
      method: 'delete',
      path: '/v1/tasks/:id',
      operationId: 'deleteTask',
      summary: 'Delete a task',
      tag: 'tasks',
      auth: true,
      write: true,
      headers: [IF_MATCH, PREFER, IDEMPOTENCY_KEY],
      responses: { 204: { description: 'deleted' }, ...accepted, ...writeErrors, ...notFound },
      handler: lifecycle('TaskDeleted', 204),
    },
  ];
}
