// POST /v1/chat { message } → { reply, actions, tasks }: a natural-language command, parsed by
// our own grammar (domain/chat, no external service), planned over the caller's own tasks,
// and carried out through the same door as the HTTP API: the request bodies the plan produces
// pass the same zod schemas and field rules, become the same events through the same
// WritePath (read-your-writes, Prefer, Idempotency-Key, outbox), and lists run the same
// query plans as GET /v1/tasks. Dates are read in the user's time zone from the settings view.
import type { Collection, Document } from 'mongodb';
import { z } from 'zod';
import { parseChat, planChat, type ChatStep } from '../../domain/chat/index.js';
import { createTask, lifecycleEvent, updateTask } from '../../domain/task-commands.js';
import { taskFieldsOf, type TaskView } from '../../domain/task.js';
import { db } from '../db.js';
import { HttpError, ValidationError } from '../../platform/http-errors.js';
import { userIdOf, type GatewayContext } from '../http/state.js';
import type { RouteSpec } from '../route-table.js';
import { planTaskList } from '../task-query.js';
import { TaskResourceSchema, taskViewFromDocument, toTaskResource, type TaskResource } from '../../contracts/task-resource.js';
import { checkTaskFields, CreateTaskBody, DEFAULT_SETTINGS, parseBody, PatchTaskBody, SettingsBody, taskFieldsFromCreate, taskPatchFrom } from '../validation.js';
import type { SettingsReader } from '../views.js';
import type { WritePath, WriteResult } from '../write-path.js';
import { changeSettings } from './settings.js';
import { commandContext, ErrorSchema, IDEMPOTENCY_KEY, PREFER, type Clock } from './common.js';
import { runTaskListPlan, TASK_LIST_PROJECTION } from './task-list.js';

export const MESSAGE_MAX = 1000;
/** How many of the caller's tasks "which task?" looks through, newest first. */
const MATCH_POOL = 500;
const LIST_LIMIT = 20;

export interface ChatRouteDeps {
  /** The live tasks view (it may move after a views rebuild). */
  tasks: () => Promise<Collection<Document>>;
  settings: SettingsReader;
  writes: WritePath;
  clock: Clock;
  rywTimeoutMs: number;
}

const ChatBody = z.strictObject({
  message: z.string().meta({ description: `what the user said, at most ${MESSAGE_MAX} characters`, example: 'every Monday at 9am add a standup task' }),
});

const ActionSchema = z
  .object({
    type: z.string().meta({ description: 'the event produced (TaskCreated, TaskUpdated, TaskCompleted, ...), or list, settings, question, none' }),
    taskId: z.string().optional(),
    eventId: z.string().optional(),
    status: z.enum(['applied', 'accepted', 'queued']).optional().meta({ description: 'applied: in the view; accepted: in the log; queued: in the outbox' }),
    count: z.number().int().optional(),
  })
  .meta({ id: 'ChatAction' });

const ChatReplySchema = z
  .object({
    reply: z.string().meta({ description: "what was done, in the user's time zone; or a question, or help with examples" }),
    actions: z.array(ActionSchema),
    tasks: z.array(TaskResourceSchema).meta({ description: 'the tasks the message touched or listed' }),
  })
  .meta({ id: 'ChatReply' });

type Action = z.infer<typeof ActionSchema>;
interface ChatAnswer {
  reply: string;
  actions: Action[];
  tasks: TaskResource[];
}

/** The message, or a 400 with a stable code: MESSAGE_EMPTY, MESSAGE_TOO_LONG, INVALID_MESSAGE. */
function messageOf(body: unknown): string {
  const { message } = parseBody(ChatBody, body);
  if (message.length > MESSAGE_MAX) {
    throw new ValidationError(`message: at most ${MESSAGE_MAX} characters`, { details: [{ path: 'message', length: message.length, max: MESSAGE_MAX }] }, 'MESSAGE_TOO_LONG');
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(message)) {
    throw new ValidationError('message: control characters are not allowed', { details: [{ path: 'message' }] }, 'INVALID_MESSAGE');
  }
  if (message.trim() === '') throw new ValidationError('message: say something, e.g. "help"', { details: [{ path: 'message' }] }, 'MESSAGE_EMPTY');
  return message;
}

export function chatRoute(deps: ChatRouteDeps): RouteSpec {
  const { writes, clock } = deps;

  const ownTasks = async (userId: string): Promise<TaskView[]> => {
    const collection = await db('resolve the tasks view', deps.tasks);
    const docs = await db('read tasks for chat', () =>
      collection.find({ userId, status: { $ne: 'deleted' } }, { sort: { createdAt: -1, _id: -1 }, limit: MATCH_POOL, projection: TASK_LIST_PROJECTION }).toArray(),
    );
    return docs.map(taskViewFromDocument);
  };

  /** One event through the write path, answered like the HTTP routes would, as a chat answer. */
  const submit = async (ctx: GatewayContext, event: Parameters<WritePath['submitTask']>[1], done: (view: TaskView) => string): Promise<ChatAnswer> => {
    let result: WriteResult;
    try {
      result = await writes.submitTask(ctx, event);
    } catch (err) {
      // The view refused it (the task changed or went away meanwhile): the user hears why.
      if (err instanceof HttpError && (err.status === 409 || err.status === 404)) {
        return { reply: `I couldn't do that: ${err.message}.`, actions: [{ type: event.type, taskId: event.taskId, eventId: event.eventId }], tasks: [] };
      }
      throw err;
    }
    if (result.kind === 'applied') {
      return { reply: done(result.view), actions: [{ type: event.type, taskId: event.taskId, eventId: event.eventId, status: 'applied' }], tasks: [toTaskResource(result.view)] };
    }
    return {
      reply: `Got it: ${event.type === 'TaskCreated' ? 'the task' : 'the change'} will show up in a moment.`,
      actions: [{ type: event.type, taskId: result.taskId, eventId: result.eventId, status: result.kind }],
      tasks: [],
    };
  };

  const run = async (ctx: GatewayContext, step: ChatStep, userId: string): Promise<ChatAnswer> => {
    const cmd = commandContext(ctx, clock);
    switch (step.kind) {
      case 'reply':
        return { reply: step.reply, actions: [{ type: /\?/.test(step.reply) ? 'question' : 'none' }], tasks: [] };
      case 'create': {
        const fields = taskFieldsFromCreate(parseBody(CreateTaskBody, step.body));
        return submit(ctx, createTask(cmd, cmd.newId(), fields, { source: 'chat' }), step.done);
      }
      case 'patch': {
        const patch = taskPatchFrom(parseBody(PatchTaskBody, step.patch));
        checkTaskFields({ ...taskFieldsOf(step.task), ...patch });
        const event = updateTask(cmd, step.task, patch, null);
        if (!event) return { reply: step.done(step.task), actions: [{ type: 'none', taskId: step.task.id }], tasks: [toTaskResource(step.task)] };
        return submit(ctx, event, step.done);
      }
      case 'lifecycle':
        return submit(ctx, lifecycleEvent(cmd, step.type, step.task.id, null), step.done);
      case 'list': {
        const f = step.filter;
        const plan = planTaskList(userId, {
          words: f.words,
          status: f.status,
          priority: f.priority,
          tags: f.tags,
          due: f.due && { from: f.due.from, to: f.due.to },
          completed: f.completed && { from: f.completed.from, to: f.completed.to },
          sort: f.sort,
          limit: LIST_LIMIT,
          after: null,
        });
        const page = await runTaskListPlan(await db('resolve the tasks view', deps.tasks), plan);
        const listed = page.items.map((t) => ({ title: t.title, priority: t.priority, status: t.status, dueAt: t.dueAt === null ? null : Date.parse(t.dueAt) }));
        return { reply: step.done(listed, page.nextCursor !== null), actions: [{ type: 'list', count: page.items.length }], tasks: page.items };
      }
      case 'settings': {
        const result = await changeSettings(deps, ctx, parseBody(SettingsBody, step.change));
        return {
          reply: result.kind === 'applied' ? step.done : `${step.done} It takes effect in a moment.`,
          actions: [{ type: 'UserSettingsChanged', ...(result.kind === 'applied' ? { status: 'applied' as const } : { eventId: result.eventId, status: result.kind }) }],
          tasks: [],
        };
      }
    }
  };

  return {
    method: 'post',
    path: '/v1/chat',
    operationId: 'chat',
    summary: 'Say what to do in plain English; the reply says what was done',
    description:
      'Deterministic, no external AI: create (due time, priority, tags, reminders, recurrence with COUNT/UNTIL), remind, list and search, ' +
      'complete, reopen, delete, reschedule, stop a recurrence, mute, settings (time zone, quiet hours). Writes go through the same validation, ' +
      'events and read-your-writes as the task routes. A message that names a task ambiguously gets a question; one not understood gets help.',
    tag: 'chat',
    auth: true,
    write: true,
    body: ChatBody,
    headers: [PREFER, IDEMPOTENCY_KEY],
    responses: {
      200: { description: 'the reply, what was done, and the tasks touched or listed', schema: ChatReplySchema },
      400: { description: 'MESSAGE_EMPTY, MESSAGE_TOO_LONG, INVALID_MESSAGE, MALFORMED_JSON or VALIDATION_FAILED', schema: ErrorSchema },
      401: { description: 'missing, invalid or expired token', schema: ErrorSchema },
      409: { description: 'IDEMPOTENCY_IN_PROGRESS', schema: ErrorSchema },
      413: { description: 'body over 64 KB', schema: ErrorSchema },
      415: { description: 'body not application/json', schema: ErrorSchema },
      422: { description: 'Idempotency-Key reused for a different request', schema: ErrorSchema },
      503: { description: 'database unavailable', schema: ErrorSchema },
    },
    handler: async (ctx) => {
      const message = messageOf(ctx.request.body);
      const userId = userIdOf(ctx);
      const settings = (await deps.settings.get(userId))?.settings ?? DEFAULT_SETTINGS;
      const chatClock = { now: clock.now(), timeZone: settings.timeZone };
      const intent = parseChat(message, chatClock);
      const needsTasks = !['create', 'list', 'settings', 'help', 'unknown'].includes(intent.intent);
      const step = planChat(intent, needsTasks ? await ownTasks(userId) : [], chatClock);
      try {
        ctx.body = await run(ctx, step, userId);
      } catch (err) {
        // What the plan built broke a field rule (a title over 500 characters, ...): the message
        // was fine, the task would not be, so the answer is a reply that says why.
        if (err instanceof ValidationError) {
          ctx.body = { reply: `I couldn't do that: ${err.message}.`, actions: [{ type: 'none' }], tasks: [] } satisfies ChatAnswer;
          return;
        }
        throw err;
      }
    },
  };
}
