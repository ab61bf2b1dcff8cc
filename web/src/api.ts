// The gateway's HTTP API over fetch (docs/architecture.md section 3): one method per call the client makes,
// errors as ApiError with the API's code, and a 401 reported once to whoever signs the user out.
import type { ChatAnswer, ClientConfig, ErrorBody, HistoryEntry, NotificationResource, Priority, Settings, Task, TaskPage } from './contract.js';
import { toSearchParams, type ListQuery } from './list-query.js';
import type { SchedulePayload } from './schedule.js';

export const PAGE_SIZE = 50;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    /** The API's code (VERSION_MISMATCH, VALIDATION_FAILED, ...); NETWORK when there was no answer. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** What a write answered: the task as the view now holds it, or only that it was taken (202). */
export type WriteAnswer = { kind: 'task'; task: Task } | { kind: 'accepted'; status: 'accepted' | 'queued'; taskId?: string } | { kind: 'deleted' };

export interface TaskInput extends SchedulePayload {
  title: string;
  description: string | null;
  priority: Priority;
  tags: string[];
  dueAt: string | null;
}

export class Api {
  constructor(
    private readonly token: () => string | null,
    /** Called on every 401: the token is missing, expired or refused. */
    private readonly onUnauthorized: (error: ApiError) => void,
    private readonly base = '',
  ) {}

  async config(): Promise<ClientConfig> {
    return (await this.call('GET', '/config.json', { auth: false })).body as ClientConfig;
  }

  async devLogin(userId: string): Promise<string> {
    return ((await this.call('POST', '/v1/dev/login', { auth: false, body: { userId } })).body as { token: string }).token;
  }

  async listTasks(query: ListQuery, cursor: string | null): Promise<TaskPage> {
    const params = toSearchParams(query, { cursor, limit: PAGE_SIZE });
    return (await this.call('GET', `/v1/tasks?${params.toString()}`)).body as TaskPage;
  }

  async getTask(id: string): Promise<Task> {
    return (await this.call('GET', `/v1/tasks/${encodeURIComponent(id)}`)).body as Task;
  }

  createTask(input: TaskInput): Promise<WriteAnswer> {
    // A retry of the same submission (a flaky network) must not create the task twice.
    return this.write('POST', '/v1/tasks', { body: input, headers: { 'Idempotency-Key': crypto.randomUUID(), 'X-Client': 'web' } });
  }

  updateTask(id: string, version: number, patch: Partial<TaskInput>): Promise<WriteAnswer> {
    return this.write('PATCH', taskPath(id), { body: patch, version });
  }

  complete(id: string, version: number): Promise<WriteAnswer> {
    return this.write('POST', `${taskPath(id)}/complete`, { version });
  }

  reopen(id: string, version: number): Promise<WriteAnswer> {
    return this.write('POST', `${taskPath(id)}/reopen`, { version });
  }

  deleteTask(id: string, version: number): Promise<WriteAnswer> {
    return this.write('DELETE', taskPath(id), { version });
  }

  async chat(message: string): Promise<ChatAnswer> {
    // A retry of the same message (a flaky network) must not do it twice.
    const headers = { 'Idempotency-Key': crypto.randomUUID() };
    return (await this.call('POST', '/v1/chat', { body: { message }, headers })).body as ChatAnswer;
  }

  async history(id: string, cursor: string | null = null): Promise<{ items: HistoryEntry[]; nextCursor: string | null }> {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    return (await this.call('GET', `${taskPath(id)}/history${query}`)).body as { items: HistoryEntry[]; nextCursor: string | null };
  }

  async notifications(): Promise<NotificationResource[]> {
    return ((await this.call('GET', '/v1/notifications?limit=50')).body as { items: NotificationResource[] }).items;
  }

  async markRead(id: string): Promise<NotificationResource> {
    return (await this.call('POST', `/v1/notifications/${encodeURIComponent(id)}/read`)).body as NotificationResource;
  }

  async settings(): Promise<Settings> {
    return (await this.call('GET', '/v1/me/settings')).body as Settings;
  }

  /** The settings as saved, or null when the gateway took the change but its view has not shown it yet (202). */
  async saveSettings(settings: Settings): Promise<Settings | null> {
    const { status, body } = await this.call('PUT', '/v1/me/settings', { body: settings });
    return status === 200 ? (body as Settings) : null;
  }

  private async write(method: string, path: string, options: { body?: unknown; version?: number; headers?: Record<string, string> }): Promise<WriteAnswer> {
    const headers = { ...options.headers, ...(options.version !== undefined ? { 'If-Match': `"${options.version}"` } : {}) };
    const { status, body } = await this.call(method, path, { body: options.body, headers });
    if (status === 204) return { kind: 'deleted' };
    if (status === 202) {
      const accepted = body as { status: 'accepted' | 'queued'; taskId?: string };
      return { kind: 'accepted', status: accepted.status, ...(accepted.taskId ? { taskId: accepted.taskId } : {}) };
    }
    return { kind: 'task', task: body as Task };
  }

  private async call(
    method: string,
    path: string,
    { auth = true, body, headers = {} }: { auth?: boolean; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: unknown }> {
    const token = auth ? this.token() : null;
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check your connection and try again.', err);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text; // not JSON (a proxy's error page): kept for the message
    }
    if (response.ok) return { status: response.status, body: parsed };
    const error = (parsed as Partial<ErrorBody> | null)?.error;
    const failure = new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? response.statusText, error?.details);
    if (response.status === 401 && auth) this.onUnauthorized(failure);
    throw failure;
  }
}

const taskPath = (id: string): string => `/v1/tasks/${encodeURIComponent(id)}`;
