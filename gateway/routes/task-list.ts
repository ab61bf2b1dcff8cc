// GET /v1/tasks: search, filter, sort and page through the caller's tasks, read from the
// `tasks` view. The parameters and the plan are gateway/task-query.ts (pure); this module runs
// the plan's finds in order and answers { items, nextCursor }.
//
// Wiring: app.ts mounts `taskListRoute(...)` through `extraRoutes` (auth, error handling and
// /openapi.json come with it); `taskListRoutes(...)` is the same handler on a bare @koa/router,
// for a caller that brings its own auth and error middleware.
import Router from '@koa/router';
import type { Collection, Document, Filter, Sort } from 'mongodb';
import { z } from 'zod';
import { db } from '../db.js';
import { userIdOf, type GatewayMiddleware, type GatewayState } from '../http/state.js';
import { buildOpenApi } from '../openapi.js';
import type { RouteSpec } from '../route-table.js';
import { cursorAfter, parseTaskListQuery, planTaskList, TaskListQuerySchema, type TaskListPlan } from '../task-query.js';
import { TaskResourceSchema, taskViewFromDocument, toTaskResource } from '../../contracts/task-resource.js';
import type { TaskPage } from '../../contracts/http.js';
import { ErrorSchema } from './common.js';

export type { TaskPage };

export interface TaskListDeps<T extends Document = Document> {
  /**
   * The task-view processor's `tasks` collection, or a function resolving the live one (after a
   * views rebuild the live collection changes: views/task-view.ts
   * liveViewCollection).
   */
  tasks: Collection<T> | (() => Promise<Collection<T>>);
}

export const TaskPageSchema = z
  .object({
    items: z.array(TaskResourceSchema),
    nextCursor: z.string().nullable().meta({ description: 'the next page’s cursor; null on the last page' }),
  })
  .meta({ id: 'TaskPage' });

/**
 * What a list answer reads: the TaskView fields plus the sort keys. Storage-only fields
 * (sourcePartition, sourceOffset, recentEventIds, lastEventId) stay in the database.
 */
export const TASK_LIST_PROJECTION = Object.fromEntries(
  [
    'userId',
    'title',
    'description',
    'priority',
    'priorityRank',
    'tags',
    'dueAt',
    'timeZone',
    'recurrence',
    'reminders',
    'muted',
    'status',
    'version',
    'createdAt',
    'updatedAt',
    'completedAt',
    'seriesId',
  ].map((field) => [field, 1]),
);

/** Runs the plan's finds in order until one item more than a page is found. */
export async function runTaskListPlan<T extends Document>(collection: Collection<T>, plan: TaskListPlan): Promise<TaskPage> {
  // Only find() is used, with filters built as plain objects: the document type does not matter.
  const tasks = collection as unknown as Collection<Document>;
  const docs: Document[] = [];
  for (const step of plan.steps) {
    const wanted = plan.limit + 1 - docs.length;
    if (wanted <= 0) break;
    // toArray with a limit exhausts the cursor: nothing is left open on the server.
    const found = await db('list tasks', () =>
      tasks.find(step.filter as Filter<Document>, { sort: step.sort as Sort, limit: wanted, projection: TASK_LIST_PROJECTION }).toArray(),
    );
    docs.push(...found);
  }
  const page = docs.slice(0, plan.limit);
  const last = page.at(-1);
  return {
    items: page.map((doc) => toTaskResource(taskViewFromDocument(doc))),
    nextCursor: docs.length > plan.limit && last ? cursorAfter(plan, last) : null,
  };
}

function listHandler<T extends Document>({ tasks }: TaskListDeps<T>): GatewayMiddleware {
  return async (ctx) => {
    const plan = planTaskList(userIdOf(ctx), parseTaskListQuery(ctx.query));
    const collection = typeof tasks === 'function' ? await db('resolve the tasks view', tasks) : tasks;
    ctx.body = await runTaskListPlan(collection, plan);
  };
}

const declaration: Omit<RouteSpec, 'handler'> = {
  method: 'get',
  path: '/v1/tasks',
  operationId: 'listTasks',
  summary: 'Search, filter, sort and page through your tasks',
  description:
    'Keyword search in title and description, filters combined with AND, sort by priority, dueAt or createdAt ' +
    '(prefix - for descending), keyset pagination through nextCursor. Deleted tasks are never listed. ' +
    'An unknown, repeated or malformed parameter, or a cursor from another sort, answers 400 VALIDATION_FAILED.',
  tag: 'tasks',
  auth: true,
  query: TaskListQuerySchema,
  responses: {
    200: { description: 'one page of tasks', schema: TaskPageSchema },
    400: { description: 'invalid parameter (code VALIDATION_FAILED; details name each parameter)', schema: ErrorSchema },
    401: { description: 'missing, invalid or expired token', schema: ErrorSchema },
    503: { description: 'database unavailable', schema: ErrorSchema },
  },
};

/** The route as app.ts declares routes: pass it in `extraRoutes`. */
export function taskListRoute<T extends Document>(deps: TaskListDeps<T>): RouteSpec {
  return { ...declaration, handler: listHandler(deps) };
}

/**
 * GET /v1/tasks on its own router. Expects ctx.state.userId from an auth middleware in front,
 * and an error middleware that answers errors carrying `status` and `code` (ValidationError).
 */
export function taskListRoutes<T extends Document>(deps: TaskListDeps<T>): Router<GatewayState> {
  const router = new Router<GatewayState>();
  router.get(declaration.operationId, declaration.path, listHandler(deps));
  return router;
}

/** The OpenAPI 3.1 document of /v1/tasks alone, built by the same code as /openapi.json. */
export const taskListOpenApiDocument = buildOpenApi([{ ...declaration, handler: (_ctx, next) => next() }], { title: 'todo-stream gateway', version: '1.0.0' }) as {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
};

/** Its path item. */
export const taskListOpenApi = taskListOpenApiDocument.paths['/v1/tasks']!;
