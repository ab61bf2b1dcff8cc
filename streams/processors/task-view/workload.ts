// Test and benchmark support: a deterministic mixed stream of task events (creates, updates,
// completes, reopens, deletes, recurrence cancels, stale If-Match, events on deleted or unknown
// tasks, re-sent duplicates), and an oracle that folds a log with the domain's applyTaskEvent
// alone: no database, no positions, no windows, so it checks the view independently.
import { createHash } from 'node:crypto';
import type { Priority, TaskEvent, TaskFields } from '../../../domain/events.js';
import { createTask, lifecycleEvent, updateTask, type CommandContext } from '../../../domain/task-commands.js';
import { applyTaskEvent, type RejectReason, type TaskView } from '../../../domain/task.js';

export interface Decision {
  outcome: 'applied' | 'duplicate' | 'rejected';
  reason: RejectReason | null;
  /** The view after the event, when applied. */
  view: TaskView | null;
}

/**
 * The meaning of the view, stated without storage: events apply in log order, and an event id
 * is decided once per task (applied or rejected); a task that does not exist (or is another
 * user's) cannot remember a rejection, so such an event is judged again if it comes again.
 */
export class Oracle {
  readonly tasks = new Map<string, TaskView>();
  private readonly decided = new Map<string, Map<string, Decision>>();

  apply(event: TaskEvent): Decision {
    const decided = this.decided.get(event.taskId) ?? new Map<string, Decision>();
    const earlier = decided.get(event.eventId);
    if (earlier) return earlier.outcome === 'applied' ? { outcome: 'duplicate', reason: null, view: null } : earlier;
    const current = this.tasks.get(event.taskId) ?? null;
    if (current && current.userId !== event.userId) return { outcome: 'rejected', reason: 'NOT_FOUND', view: null };
    const result = applyTaskEvent(current, event);
    let decision: Decision;
    if (result.outcome === 'applied') {
      this.tasks.set(event.taskId, result.view);
      decision = { outcome: 'applied', reason: null, view: result.view };
    } else if (result.outcome === 'rejected') {
      decision = { outcome: 'rejected', reason: result.reason, view: null };
    } else {
      decision = { outcome: 'duplicate', reason: null, view: null };
    }
    if (current || result.outcome === 'applied') {
      decided.set(event.eventId, decision);
      this.decided.set(event.taskId, decided);
    }
    return decision;
  }

  static fold(events: readonly TaskEvent[]): Oracle {
    const oracle = new Oracle();
    for (const event of events) oracle.apply(event);
    return oracle;
  }
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUID-shaped id that depends only on its inputs. */
export function stableId(...parts: (string | number)[]): string {
  const h = createHash('sha256').update(parts.join(':')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface WorkloadOptions {
  /** Distinguishes runs: ids depend on it. */
  seed: string;
  users: number;
  tasks: number;
  events: number;
  /** occurredAt of the first event; each next one is a second later. */
  start?: number;
}

const PRIORITIES: Priority[] = ['high', 'medium', 'low'];
const WORDS = ['milk', 'report', 'dentist', 'invoice', 'garden', 'standup', 'review', 'taxes', 'call', 'plants'];
const TAGS = ['home', 'work', 'errand', 'health', 'money'];

/**
 * `events` task events over `tasks` tasks of `users` users, in production order, creates spread
 * through it; the rest act on a recent task of the same user, as clients would: mostly
 * with the right If-Match, sometimes stale, sometimes on a deleted or unknown task, sometimes
 * a re-send of an event already sent.
 */
export function mixedWorkload({ seed, users, tasks, events, start = Date.UTC(2026, 10, 1) }: WorkloadOptions): TaskEvent[] {
  const rand = random(Number.parseInt(createHash('sha256').update(seed).digest('hex').slice(0, 8), 16));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const userIds = Array.from({ length: users }, (_, i) => `${seed}-user-${i}`);
  const owned = new Map<string, string[]>(userIds.map((u) => [u, []]));
  const sent = new Map<string, TaskEvent[]>();
  const oracle = new Oracle();
  const out: TaskEvent[] = [];
  let created = 0;
  let n = 0;

  const ctx = (userId: string): CommandContext => ({
    userId,
    correlationId: stableId(seed, 'corr', n),
    now: start + n * 1000,
    newId: () => stableId(seed, 'event', n),
  });
  const emit = (event: TaskEvent) => {
    out.push(event);
    oracle.apply(event);
    const history = sent.get(event.taskId) ?? [];
    history.push(event);
    sent.set(event.taskId, history.slice(-5));
    n++;
  };
  const fields = (i: number): TaskFields => ({
    title: `${pick(WORDS)} ${pick(WORDS)} #${i}`,
    description: rand() < 0.5 ? null : `about the ${pick(WORDS)}`,
    priority: pick(PRIORITIES),
    tags: [...new Set([pick(TAGS), pick(TAGS)])].sort(),
    dueAt: rand() < 0.3 ? null : start + Math.floor(rand() * 90) * 86_400_000,
    timeZone: rand() < 0.5 ? null : 'Europe/Berlin',
    recurrence: rand() < 0.1 ? { rrule: 'FREQ=WEEKLY;BYDAY=MO', mode: 'on_completion', count: null, until: null } : null,
    reminders: rand() < 0.2 ? [{ at: null, before: 'PT15M' }] : [],
    muted: rand() < 0.1,
  });

  while (out.length < events) {
    const userId = pick(userIds);
    const mine = owned.get(userId)!;
    if (created < tasks && (mine.length === 0 || rand() < tasks / events || out.length + (tasks - created) >= events)) {
      const taskId = stableId(seed, 'task', created);
      mine.push(taskId);
      emit(createTask(ctx(userId), taskId, fields(created)));
      created++;
      continue;
    }
    if (mine.length === 0) continue;
    // Recent tasks get most of the traffic, as in real use.
    const taskId = mine[Math.max(0, mine.length - 1 - Math.floor(rand() * rand() * mine.length))]!;
    const view = oracle.tasks.get(taskId)!;
    const roll = rand();
    const version = rand() < 0.08 ? Math.max(0, view.version - 1) : rand() < 0.2 ? null : view.version;
    if (roll < 0.03) {
      const history = sent.get(taskId)!;
      emit(pick(history)); // a re-send: same event, same id
    } else if (roll < 0.035) {
      emit(lifecycleEvent(ctx(userId), 'TaskCompleted', stableId(seed, 'ghost', n), null));
    } else if (roll < 0.06) {
      emit(lifecycleEvent(ctx(userId), 'TaskDeleted', taskId, version));
    } else if (roll < 0.07) {
      emit(lifecycleEvent(ctx(userId), 'RecurrenceCancelled', taskId, version));
    } else if (roll < 0.3) {
      emit(lifecycleEvent(ctx(userId), view.status === 'completed' && rand() < 0.8 ? 'TaskReopened' : 'TaskCompleted', taskId, version));
    } else {
      const patch: Partial<TaskFields> =
        rand() < 0.5 ? { title: `${pick(WORDS)} ${pick(WORDS)} v${n}` } : rand() < 0.5 ? { priority: pick(PRIORITIES), tags: [pick(TAGS)] } : { dueAt: start + n * 60_000, description: `note ${n}` };
      const event = updateTask(ctx(userId), view, patch, version);
      if (event) emit(event);
    }
  }
  return out;
}
