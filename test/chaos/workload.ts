// The chaos workload: users writing through the gateway's HTTP API as a real client would. Each
// user writes one thing at a time (create a task, or edit the description of one it created),
// every write with its own Idempotency-Key, retried with the same key on 5xx, on a timeout and on
// a connection error, until it is answered or the client gives up. Every write carries a marker
// `chaos:<user>:<seq>` in its description, so the checker can find it in the log and the views
// without trusting anything the services say. Knows nothing of the services' code.
import { SignJWT } from 'jose';

export type WriteOutcome = 'acked' | 'indeterminate' | 'rejected';

export interface WriteRecord {
  user: string;
  seq: number;
  marker: string;
  kind: 'create' | 'patch';
  /** Known for patches, and for creates once answered. */
  taskId?: string;
  /** A create's reminder instant (ms), when it asked for one. */
  reminderAt?: number;
  /** The fault phase the write started in. */
  phase: string;
  startedAt: number;
  endedAt: number;
  attempts: number;
  outcome: WriteOutcome;
  /** The final HTTP status (2xx when acked). */
  status?: number;
  /** The last failure, for indeterminate and rejected writes. */
  error?: string;
  /** The event id a 202 answer named (evidence when the checker cannot find it). */
  eventId?: string;
  /** The answer said so: applied (200/201, read-your-writes) or accepted/queued (202). */
  answer?: 'applied' | 'accepted' | 'queued';
}

export interface WorkloadOptions {
  gatewayUrl: string;
  jwtSecret: string;
  users: string[];
  /** Target writes per second, summed over the users. */
  writesPerSecond: number;
  /** Share of creates that ask for a reminder `reminderDelayMs` later. */
  reminderShare: number;
  reminderDelayMs: number;
  /** How long one write is retried before the client gives up (it is then indeterminate). */
  giveUpMs: number;
  /** How long one attempt may take. */
  attemptTimeoutMs: number;
  phase: () => string;
  /** Reminders are asked for only while this says yes (none that would fall due after the run). */
  remindersAllowed: () => boolean;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function tokenFor(user: string, secret: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime('6h')
    .sign(new TextEncoder().encode(secret));
}

interface Answer {
  status: number;
  body: Record<string, unknown> | null;
}

/** One write, retried with the same Idempotency-Key until answered or given up. */
export async function writeOnce(
  opts: Pick<WorkloadOptions, 'gatewayUrl' | 'giveUpMs' | 'attemptTimeoutMs'>,
  token: string,
  request: { method: string; path: string; body: unknown; key: string },
): Promise<{ outcome: WriteOutcome; attempts: number; answer?: Answer; error?: string }> {
  const deadline = Date.now() + opts.giveUpMs;
  let lastError: string;
  for (let attempt = 1, backoff = 200; ; attempt++, backoff = Math.min(backoff * 2, 2000)) {
    try {
      const res = await fetch(`${opts.gatewayUrl}${request.path}`, {
        method: request.method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': request.key },
        body: JSON.stringify(request.body),
        signal: AbortSignal.timeout(opts.attemptTimeoutMs),
      });
      const text = await res.text();
      let body: Record<string, unknown> | null = null;
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      } catch {
        body = null;
      }
      const code = (body?.error as { code?: string } | undefined)?.code;
      if (res.status >= 200 && res.status < 300) return { outcome: 'acked', attempts: attempt, answer: { status: res.status, body } };
      // The first attempt is still being processed (or died with the gateway): ask again later.
      const retriable = res.status >= 500 || code === 'IDEMPOTENCY_IN_PROGRESS';
      lastError = `HTTP ${res.status} ${code ?? text.slice(0, 120)}`;
      if (!retriable) return { outcome: 'rejected', attempts: attempt, answer: { status: res.status, body }, error: lastError };
    } catch (err) {
      lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    if (Date.now() + backoff > deadline) return { outcome: 'indeterminate', attempts: attempt, error: lastError };
    await sleep(backoff * (0.5 + Math.random() / 2));
  }
}

export class Workload {
  readonly writes: WriteRecord[] = [];
  private stopping = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly opts: WorkloadOptions) {}

  start(): void {
    // Spread the users' start over one think time, so they do not march in step.
    const thinkMs = (this.opts.users.length / this.opts.writesPerSecond) * 1000;
    this.loops = this.opts.users.map(async (user, i) => {
      await sleep((i / this.opts.users.length) * thinkMs);
      await this.userLoop(user, thinkMs);
    });
  }

  /** Lets each user finish the write in hand, then resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  private async userLoop(user: string, thinkMs: number): Promise<void> {
    const token = await tokenFor(user, this.opts.jwtSecret);
    const tasks: string[] = [];
    for (let seq = 1; !this.stopping; seq++) {
      const began = Date.now();
      const record = await this.writeNext(user, token, seq, tasks);
      this.writes.push(record);
      const rest = thinkMs * (0.5 + Math.random()) - (Date.now() - began);
      if (rest > 0 && !this.stopping) await sleep(rest);
    }
  }

  private async writeNext(user: string, token: string, seq: number, tasks: string[]): Promise<WriteRecord> {
    const marker = `chaos:${user}:${seq}`;
    const key = `${marker}:${Math.random().toString(36).slice(2, 10)}`;
    const patchOf = tasks.length > 0 && Math.random() < 0.35 ? tasks[Math.floor(Math.random() * tasks.length)] : undefined;
    const startedAt = Date.now();
    const phase = this.opts.phase();
    let reminderAt: number | undefined;
    let request;
    if (patchOf) {
      request = { method: 'PATCH', path: `/v1/tasks/${patchOf}`, body: { description: marker }, key };
    } else {
      const body: Record<string, unknown> = { title: `chaos task ${user} ${seq}`, description: marker, priority: 'medium' };
      if (this.opts.remindersAllowed() && Math.random() < this.opts.reminderShare) {
        reminderAt = startedAt + this.opts.reminderDelayMs;
        body.reminders = [{ at: new Date(reminderAt).toISOString() }];
      }
      request = { method: 'POST', path: '/v1/tasks', body, key };
    }
    const result = await writeOnce(this.opts, token, request);
    const body = result.answer?.body ?? null;
    const taskId = patchOf ?? ((body?.id ?? body?.taskId) as string | undefined);
    // Only tasks the view confirmed are edited later: a client edits what it has seen.
    if (!patchOf && taskId && result.answer?.status === 201) tasks.push(taskId);
    const answer = result.outcome !== 'acked' ? undefined : body?.status === 'queued' ? 'queued' : result.answer?.status === 202 ? 'accepted' : 'applied';
    return {
      user,
      seq,
      marker,
      kind: patchOf ? 'patch' : 'create',
      ...(taskId ? { taskId } : {}),
      ...(reminderAt !== undefined ? { reminderAt } : {}),
      phase,
      startedAt,
      endedAt: Date.now(),
      attempts: result.attempts,
      outcome: result.outcome,
      ...(result.answer ? { status: result.answer.status } : {}),
      ...(result.error ? { error: result.error } : {}),
      ...(answer ? { answer } : {}),
      ...(typeof body?.eventId === 'string' ? { eventId: body.eventId } : {}),
    };
  }
}
