// The capacity benchmark's load generator, in its own process (bench/capacity.bench.ts forks
// it), so its CPU is read apart from the services it drives. N simulated users, each with two
// devices connected to the bridge over Socket.IO (on different bridge replicas when there are
// several), acting one thing at a time with an exponential think time between actions:
//
//   list      GET /v1/tasks with a status, a sort and sometimes a priority, a tag or words
//   get       GET /v1/tasks/:id
//   create    POST /v1/tasks (some with a reminder a few seconds ahead, some recurring daily)
//   update    PATCH /v1/tasks/:id
//   complete  POST /v1/tasks/:id/complete (recurring tasks among them: the next occurrence)
//   delete    DELETE /v1/tasks/:id
//
// Writes wait for the view (read-your-writes, the default), so a write's latency is "write →
// materialized answer". The device that did not write must then receive the change: its
// `task` push is matched by task id and version. Reminders are measured on arrival at a device
// against their time. Driven over IPC: 'job' in; 'measuring' when the warm-up is over,
// 'measured' when the window closes, then 'report' once late pushes had their chance.
import { io, type Socket } from 'socket.io-client';
import { signDevToken } from '../gateway/auth.js';
import type { NotificationPush, ServerToClientEvents, TaskPush } from '../contracts/socket-protocol.js';
import type { SeededTask } from './capacity-seed.js';
import { TAGS, THINGS, WORDS } from './capacity-seed.js';

export interface LoadJob {
  gatewayUrls: string[];
  bridgeUrls: string[];
  users: { id: string; tasks: SeededTask[] }[];
  jwtSecret: string;
  warmupSec: number;
  measureSec: number;
  /** Mean think time between one user's actions. */
  thinkMs: number;
  /** Share of creates with a reminder a few seconds ahead, and of recurring ones. */
  reminderShare: number;
  recurringShare: number;
  /**
   * Each user's first actions in the window go through every kind once, a create with a
   * reminder and a recurring create and its completion among them, so a run of a few seconds
   * (the smoke in make test) measures every service level; the benchmark's steps leave it off.
   */
  opening?: boolean;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadReport {
  users: number;
  devices: number;
  measureSec: number;
  actions: Record<string, number>;
  /** Every action in the window. */
  totalActions: number;
  writeAnswer: Summary;
  otherDevice: Summary;
  list: Summary;
  get: Summary;
  /** Arrival at a device minus the reminder's time. */
  reminderLateness: Summary;
  /** The same minus the notifier's designed batching (a reminder waits until its second is over + 300 ms). */
  reminderLatenessBeyondBatching: Summary;
  /** Completion of a recurring task → its next occurrence pushed to the other device. */
  nextOccurrence: Summary;
  /** Writes answered 202: the view did not confirm within RYW_TIMEOUT_MS. */
  rywTimeouts: number;
  errors: number;
  errorSamples: string[];
}

interface LiveTask {
  id: string;
  version: number;
  status: 'pending' | 'completed';
  recurring: boolean;
  seriesId: string | null;
}

type Kind = 'list' | 'get' | 'create' | 'update' | 'complete' | 'delete';
type Opening = Kind | 'create with a reminder' | 'create recurring';
const OPENING: readonly Opening[] = ['create with a reminder', 'create recurring', 'list', 'get', 'update', 'complete', 'delete'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}
const PUSH_WAIT_MS = 10_000;
const NOTIFIER_SETTLE_MS = 300;
/** A reminder waits for the end of its second plus the settling time before it is notified. */
const NOTIFIER_BATCHING_MS = 1000 + NOTIFIER_SETTLE_MS;

class Device {
  readonly socket: Socket<ServerToClientEvents>;
  private readonly arrivals = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();
  private readonly created: { seriesId: string | null; id: string; at: number }[] = [];
  private readonly seriesWaiters: { seriesId: string; except: string; resolve: (at: number) => void }[] = [];

  constructor(url: string, token: string, onNotification: (push: NotificationPush, at: number) => void) {
    this.socket = io(url, { auth: { token }, transports: ['websocket'], reconnectionDelay: 250 });
    this.socket.on('task', (push: TaskPush) => {
      const at = Date.now();
      const key = push.event.type === 'TaskDeleted' || !push.task ? `${push.event.taskId}:deleted` : `${push.task.id}:${push.task.version}`;
      this.arrivals.set(key, at);
      this.waiters.get(key)?.(at);
      this.waiters.delete(key);
      if (push.event.type === 'TaskCreated' && push.task?.seriesId) {
        const task = push.task;
        for (const [i, w] of this.seriesWaiters.entries()) {
          if (w.seriesId === task.seriesId && w.except !== task.id) {
            this.seriesWaiters.splice(i, 1);
            w.resolve(at);
            break;
          }
        }
        this.created.push({ seriesId: task.seriesId, id: task.id, at });
      }
    });
    this.socket.on('notification', (push, ack) => {
      onNotification(push, Date.now());
      ack();
    });
  }

  synced(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('synced', () => resolve());
      this.socket.once('connect_error', reject);
    });
  }

  /** When the push for `key` arrived (it may have come before the write's answer), or null. */
  async arrival(key: string): Promise<number | null> {
    const seen = this.arrivals.get(key);
    if (seen !== undefined) return seen;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        resolve(null);
      }, PUSH_WAIT_MS);
      this.waiters.set(key, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  nextOfSeries(seriesId: string, except: string, since: number): Promise<number | null> {
    const seen = this.created.find((c) => c.seriesId === seriesId && c.id !== except && c.at >= since);
    if (seen) return Promise.resolve(seen.at);
    return new Promise((resolve) => {
      const waiter = { seriesId, except, resolve: (at: number) => resolve(at) };
      this.seriesWaiters.push(waiter);
      setTimeout(() => {
        const i = this.seriesWaiters.indexOf(waiter);
        if (i >= 0) {
          this.seriesWaiters.splice(i, 1);
          resolve(null);
        }
      }, PUSH_WAIT_MS);
    });
  }

  close(): void {
    this.socket.close();
  }
}

async function run(job: LoadJob): Promise<LoadReport> {
  const samples = { writeAnswer: [] as number[], otherDevice: [] as number[], list: [] as number[], get: [] as number[], lateness: [] as number[], beyond: [] as number[], next: [] as number[] };
  const actions: Record<string, number> = {};
  const errorSamples: string[] = [];
  let errors = 0;
  let rywTimeouts = 0;
  let measuring = false;
  let stopping = false;
  const error = (what: string) => {
    if (!measuring) return;
    errors++;
    if (errorSamples.length < 10) errorSamples.push(what);
  };
  const followUps: Promise<void>[] = [];
  // Reminders asked for in the window: id of the task → its time; met when a notification names it.
  const reminders = new Map<string, { at: number; met: boolean }>();
  // A task completed or deleted before its reminder falls due has that reminder cancelled (the
  // scheduler and the notifier both suppress it), so it is not expected; near its due time either
  // outcome is right (the notifier folds task-events until it closes the reminder's second). One
  // completed later than that must have had it delivered already.
  const endedBeforeReminder = (taskId: string) => {
    const reminder = reminders.get(taskId);
    if (reminder && !reminder.met && Date.now() < reminder.at + NOTIFIER_BATCHING_MS) reminders.delete(taskId);
  };
  const onNotification = (push: NotificationPush, at: number) => {
    const due = Date.parse(push.notification.dueAt);
    let counted = false;
    for (const taskId of push.notification.taskIds) {
      const reminder = reminders.get(taskId);
      if (!reminder || reminder.met) continue;
      reminder.met = true;
      if (counted) continue;
      counted = true;
      samples.lateness.push(at - due);
      samples.beyond.push(at - (Math.floor(due / 1000) * 1000 + 1000 + NOTIFIER_SETTLE_MS));
    }
  };

  const users = await Promise.all(
    job.users.map(async (u, i) => {
      const token = await signDevToken(u.id, job.jwtSecret);
      const bridge = (k: number) => job.bridgeUrls[(i + k) % job.bridgeUrls.length]!;
      const devices = [new Device(bridge(0), token, onNotification), new Device(bridge(1), token, onNotification)];
      const tasks = u.tasks.map((t): LiveTask => ({ id: t.id, version: t.status === 'completed' ? 2 : 1, status: t.status, recurring: false, seriesId: null }));
      return { id: u.id, token, gateway: job.gatewayUrls[i % job.gatewayUrls.length]!, devices, tasks, opening: job.opening ? [...OPENING] : [] };
    }),
  );
  for (let i = 0; i < users.length; i += 100) await Promise.all(users.slice(i, i + 100).flatMap((u) => u.devices.map((d) => d.synced())));

  const rand = (n: number) => Math.floor(Math.random() * n);
  const choose = <T>(items: readonly T[]): T | undefined => items[rand(items.length)];
  const think = () => -Math.log(1 - Math.random()) * job.thinkMs;

  async function request(user: (typeof users)[number], method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> | null; ms: number }> {
    const started = performance.now();
    const res = await fetch(`${user.gateway}${path}`, {
      method,
      headers: { authorization: `Bearer ${user.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null, ms };
  }

  async function act(user: (typeof users)[number], turn: number): Promise<void> {
    // The device this action came from alternates; the other one must see the change.
    const other = user.devices[(turn + 1) % 2]!;
    const r = Math.random();
    const live = user.tasks;
    const pending = live.filter((t) => t.status === 'pending');
    const scripted = measuring ? user.opening.shift() : undefined;
    let kind: Kind;
    if (scripted) kind = scripted.startsWith('create') ? 'create' : (scripted as Kind);
    else if (r < 0.35) kind = 'list';
    else if (r < 0.5) kind = 'get';
    else if (r < 0.67) kind = 'create';
    else if (r < 0.82) kind = 'update';
    else if (r < 0.94) kind = 'complete';
    else kind = 'delete';
    if (kind !== 'list' && kind !== 'create' && live.length === 0) kind = 'create';
    if (kind === 'complete' && pending.length === 0) kind = 'create';
    // Completing or deleting a task cancels its reminder: spare the tasks whose reminder is still
    // to come while others exist, so the reminders asked for are measured.
    const spare = (tasks: LiveTask[]) => {
      const unreminded = tasks.filter((t) => reminders.get(t.id)?.met !== false);
      return unreminded.length > 0 ? unreminded : tasks;
    };
    const inWindow = measuring;
    const count = () => inWindow && (actions[kind] = (actions[kind] ?? 0) + 1);
    const t0 = Date.now();
    const expectPush = (key: string) => {
      if (!inWindow) return;
      followUps.push(
        other.arrival(key).then((at) => {
          if (at === null) error(`${kind}: the other device got no push for ${key} within ${PUSH_WAIT_MS} ms`);
          else samples.otherDevice.push(at - t0);
        }),
      );
    };
    const written = (reply: { status: number; body: Record<string, unknown> | null; ms: number }, ok: number) => {
      if (reply.status === 202) {
        if (inWindow) rywTimeouts++;
        if (inWindow) samples.writeAnswer.push(reply.ms);
        return false;
      }
      if (reply.status !== ok) {
        error(`${kind}: HTTP ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`);
        return false;
      }
      if (inWindow) samples.writeAnswer.push(reply.ms);
      return true;
    };
    count();
    switch (kind) {
      case 'list': {
        const sort = choose(['-createdAt', 'dueAt', 'priority', '-dueAt'])!;
        const params = new URLSearchParams({ status: Math.random() < 0.8 ? 'pending' : 'completed', sort, limit: '50' });
        const extra = rand(4);
        if (extra === 1) params.set('priority', choose(['high', 'medium', 'low'])!);
        if (extra === 2) params.set('tag', choose(TAGS)!);
        if (extra === 3) params.set('q', choose(THINGS)!);
        const reply = await request(user, 'GET', `/v1/tasks?${params.toString()}`);
        if (reply.status !== 200) error(`list: HTTP ${reply.status}`);
        else if (inWindow) samples.list.push(reply.ms);
        return;
      }
      case 'get': {
        const task = choose(live)!;
        const reply = await request(user, 'GET', `/v1/tasks/${task.id}`);
        if (reply.status !== 200) error(`get: HTTP ${reply.status}`);
        else if (inWindow) samples.get.push(reply.ms);
        return;
      }
      case 'create': {
        const roll = scripted === 'create with a reminder' ? 0 : scripted === 'create recurring' ? job.reminderShare : Math.random();
        const remindAt = roll < job.reminderShare && !stopping ? Date.now() + 2000 + rand(3000) : null;
        const recurring = roll >= job.reminderShare && roll < job.reminderShare + job.recurringShare;
        const body = {
          title: `${choose(WORDS)} ${choose(THINGS)}`,
          priority: choose(['high', 'medium', 'low']),
          tags: [choose(TAGS)],
          ...(recurring ? { dueAt: new Date(Date.now() + 86_400_000).toISOString(), recurrence: { rrule: 'FREQ=DAILY', mode: 'on_completion' } } : {}),
          ...(remindAt ? { reminders: [{ at: new Date(remindAt).toISOString() }] } : {}),
        };
        const reply = await request(user, 'POST', '/v1/tasks', body);
        if (!written(reply, 201)) return;
        const task = reply.body as { id: string; version: number; seriesId: string | null };
        live.push({ id: task.id, version: task.version, status: 'pending', recurring, seriesId: task.seriesId });
        if (remindAt && inWindow) reminders.set(task.id, { at: remindAt, met: false });
        expectPush(`${task.id}:${task.version}`);
        return;
      }
      case 'update': {
        const task = choose(live)!;
        const reply = await request(user, 'PATCH', `/v1/tasks/${task.id}`, { title: `${choose(WORDS)} ${choose(THINGS)} ${rand(1000)}`, priority: choose(['high', 'medium', 'low']) });
        if (reply.status === 404) return; // deleted by the other device's turn: not ours to count
        if (!written(reply, 200)) return;
        const version = (reply.body as { version: number }).version;
        if (version > task.version) expectPush(`${task.id}:${version}`);
        task.version = version;
        return;
      }
      case 'complete': {
        const recurring = pending.filter((t) => t.recurring);
        const task = (recurring.length > 0 && (scripted !== undefined || Math.random() < 0.5) ? choose(recurring) : choose(spare(pending)))!;
        const reply = await request(user, 'POST', `/v1/tasks/${task.id}/complete`);
        if (!written(reply, 200)) return;
        const version = (reply.body as { version: number }).version;
        task.version = version;
        task.status = 'completed';
        endedBeforeReminder(task.id);
        expectPush(`${task.id}:${version}`);
        if (task.recurring && inWindow) {
          actions['recurring complete'] = (actions['recurring complete'] ?? 0) + 1;
          followUps.push(
            other.nextOfSeries(task.seriesId ?? task.id, task.id, t0).then((at) => {
              if (at === null) error(`recurring complete: no next occurrence of ${task.id} on the other device within ${PUSH_WAIT_MS} ms`);
              else samples.next.push(at - t0);
            }),
          );
        }
        return;
      }
      default: {
        const task = choose(spare(live))!;
        const index = live.indexOf(task);
        const reply = await request(user, 'DELETE', `/v1/tasks/${task.id}`);
        live.splice(index, 1);
        endedBeforeReminder(task.id);
        if (!written(reply, 204)) return;
        expectPush(`${task.id}:deleted`);
      }
    }
  }

  const loops = users.map(async (user) => {
    await sleep(Math.random() * job.thinkMs);
    for (let turn = 0; !stopping; turn++) {
      try {
        await act(user, turn);
      } catch (err) {
        error(`request failed: ${(err as Error).message}`);
      }
      await sleep(think());
    }
  });

  await sleep(job.warmupSec * 1000);
  measuring = true;
  process.send!({ type: 'measuring' });
  await sleep(job.measureSec * 1000);
  measuring = false;
  stopping = true;
  process.send!({ type: 'measured' });
  await Promise.all(loops);
  await Promise.all(followUps);
  // Reminders asked for in the window fall due up to 5 s after it; each gets the notifier's
  // batching plus PUSH_WAIT_MS to arrive.
  const lastDue = Math.max(0, ...[...reminders.values()].map((r) => r.at));
  while ([...reminders.values()].some((r) => !r.met) && Date.now() < lastDue + NOTIFIER_BATCHING_MS + PUSH_WAIT_MS) await sleep(100);
  for (const [taskId, r] of reminders) {
    if (!r.met) {
      errors++;
      if (errorSamples.length < 10) errorSamples.push(`reminder of ${taskId} (due ${new Date(r.at).toISOString()}) never reached a device`);
    }
  }
  for (const u of users) for (const d of u.devices) d.close();
  return {
    users: users.length,
    devices: users.length * 2,
    measureSec: job.measureSec,
    actions,
    totalActions: Object.entries(actions).reduce((sum, [k, n]) => sum + (k === 'recurring complete' ? 0 : n), 0),
    writeAnswer: summarize(samples.writeAnswer),
    otherDevice: summarize(samples.otherDevice),
    list: summarize(samples.list),
    get: summarize(samples.get),
    reminderLateness: summarize(samples.lateness),
    reminderLatenessBeyondBatching: summarize(samples.beyond),
    nextOccurrence: summarize(samples.next),
    rywTimeouts,
    errors,
    errorSamples,
  };
}

process.once('message', (job: LoadJob) => {
  run(job).then(
    (report) => process.send!({ type: 'report', report }, () => process.exit(0)),
    (err: unknown) => process.send!({ type: 'failed', error: String((err as Error).stack ?? err) }, () => process.exit(1)),
  );
});
