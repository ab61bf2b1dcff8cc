// The task list a tab shows, fed by two sources that race: pages from GET /v1/tasks and changes
// pushed by the bridge (plus the answers of this tab's own writes). Every change is applied
// idempotently by version: versions only grow, so whatever arrives late or twice is recognised
// and ignored, and the list always shows the newest version known of each task.
//
// The list holds what the loaded pages cover: every task matching the filters up to the last
// task of the last page (the `boundary`, whose sort values the next page's cursor encodes). A
// pushed task that sorts after the boundary is left for "load more", which would otherwise list
// it a second time. Pure: no DOM, no I/O, no clock.
import type { Task, TaskPage, TaskPush } from './contract.js';
import { compareTasks, DEFAULT_QUERY, matchesQuery, type ListQuery } from './list-query.js';

export type OutcomeKind =
  /** This event was applied before (a replay after a reconnect): nothing to do or to show. */
  | 'duplicate'
  /** A newer version of the task is known already: the change is old news. */
  | 'stale'
  /** This very version is known already (the answer to this tab's own write, or a page). */
  | 'current'
  | 'inserted'
  | 'updated'
  /** Left the list: deleted, no longer matching the filters, or moved past the loaded pages. */
  | 'removed'
  /** Newer, but not in the list: it does not match the filters, or sorts after the loaded pages. */
  | 'outside';

export interface Outcome {
  kind: OutcomeKind;
  /** The task as now known (null when the event came without one and nothing was known of it). */
  task: Task | null;
}

/** Whether a pushed event is news worth showing (in the activity list): not a replay, not older than what is known. */
export const isNews = (outcome: Outcome): boolean => outcome.kind !== 'duplicate' && outcome.kind !== 'stale';

/** Handed out when a page is requested and handed back with it: says whether the page still fits. */
export interface LoadTicket {
  readonly mode: 'replace' | 'append';
  readonly generation: number;
  /** The cursor the page continues from (append), null for a first page. */
  readonly cursor: string | null;
  /** Changes learnt after this point are newer than anything the page can hold. */
  readonly startedAt: number;
}

interface Known {
  task: Task;
  learnedAt: number;
}

const SEEN_EVENTS_MAX = 5000;

export class TaskList {
  private currentQuery: ListQuery = DEFAULT_QUERY;
  private list: Task[] = [];
  private boundary: Task | null = null;
  private cursor: string | null = null;
  /** The newest version seen of every task, deleted ones included, whether listed or not. */
  private readonly known = new Map<string, Known>();
  /** Ids of the events applied from pushes, oldest first (bounded). */
  private readonly seenEvents = new Set<string>();
  private clock = 0;
  private generation = 0;

  get query(): ListQuery {
    return this.currentQuery;
  }

  get items(): readonly Task[] {
    return this.list;
  }

  /** The cursor of the next page, null when the list is complete. */
  get nextCursor(): string | null {
    return this.cursor;
  }

  /** The newest version known of a task, listed or not (deleted ones included). */
  get(id: string): Task | undefined {
    return this.known.get(id)?.task;
  }

  /** New filters or sort: the list empties until the first page of the new query arrives. */
  setQuery(query: ListQuery): void {
    this.currentQuery = query;
    this.list = [];
    this.boundary = null;
    this.cursor = null;
    this.generation++;
  }

  /**
   * A first page (replace: supersedes every load in flight) or the next one (append: continues
   * from nextCursor).
   */
  beginLoad(mode: 'replace' | 'append'): LoadTicket {
    if (mode === 'replace') this.generation++;
    return { mode, generation: this.generation, cursor: mode === 'append' ? this.cursor : null, startedAt: this.clock };
  }

  /** Applies a page; false (and nothing changes) when it no longer fits: new filters, a newer load, a page applied twice. */
  applyPage(ticket: LoadTicket, page: TaskPage): boolean {
    if (ticket.generation !== this.generation) return false;
    if (ticket.mode === 'append' && (ticket.cursor === null || ticket.cursor !== this.cursor)) return false;
    for (const task of page.items) {
      const known = this.known.get(task.id);
      if (!known || known.task.version < task.version) this.known.set(task.id, { task, learnedAt: ticket.startedAt });
    }
    this.cursor = page.nextCursor;
    this.boundary = page.nextCursor === null ? null : (page.items.at(-1) ?? null);
    // The page, what was listed before it (append), and what arrived while it was on its way:
    // the server may have read the page before those changes.
    const candidates = new Set<string>(ticket.mode === 'append' ? this.list.map((task) => task.id) : []);
    for (const task of page.items) candidates.add(task.id);
    for (const [id, known] of this.known) if (known.learnedAt > ticket.startedAt) candidates.add(id);
    this.list = [...candidates].map((id) => this.known.get(id)!.task).filter((task) => this.belongs(task));
    this.list.sort(compareTasks(this.currentQuery.sort));
    return true;
  }

  /** A change from the bridge: ignored when its event was applied before, or when a newer version is known. */
  applyPush(push: TaskPush): Outcome {
    if (this.seenEvents.has(push.event.id)) return { kind: 'duplicate', task: push.task ?? this.get(push.event.taskId) ?? null };
    this.seenEvents.add(push.event.id);
    if (this.seenEvents.size > SEEN_EVENTS_MAX) this.seenEvents.delete(this.seenEvents.values().next().value!);
    if (push.task) return this.applyTask(push.task);
    // No task in the push: only a deletion can be acted on.
    const known = this.get(push.event.taskId) ?? null;
    if (push.event.type !== 'TaskDeleted' || !known || known.status === 'deleted') return { kind: 'stale', task: known };
    return this.markDeleted(known.id);
  }

  /** A task as the API answered it (a write of this tab, or a reload): kept if it is the newest version known. */
  applyTask(task: Task): Outcome {
    const known = this.known.get(task.id);
    if (known && known.task.version > task.version) return { kind: 'stale', task: known.task };
    if (known && known.task.version === task.version) return { kind: 'current', task: known.task };
    this.known.set(task.id, { task, learnedAt: ++this.clock });
    return this.place(task);
  }

  /**
   * This tab deleted the task (204, no body): it leaves the list now. Its version stays the last
   * one seen, so the deletion's own push (one version up) still counts as news.
   */
  markDeleted(id: string): Outcome {
    const known = this.known.get(id);
    if (!known) return { kind: 'outside', task: null };
    const task: Task = { ...known.task, status: 'deleted' };
    this.known.set(id, { task, learnedAt: ++this.clock });
    return this.place(task);
  }

  /** Puts the newest version of a task where it belongs: in the list, at its place, or out of it. */
  private place(task: Task): Outcome {
    const index = this.list.findIndex((listed) => listed.id === task.id);
    if (!this.belongs(task)) {
      if (index < 0) return { kind: 'outside', task };
      this.list.splice(index, 1);
      return { kind: 'removed', task };
    }
    if (index >= 0) this.list[index] = task;
    else this.list.push(task);
    this.list.sort(compareTasks(this.currentQuery.sort));
    return { kind: index >= 0 ? 'updated' : 'inserted', task };
  }

  /** Matches the filters and sorts within the loaded pages. */
  private belongs(task: Task): boolean {
    if (!matchesQuery(task, this.currentQuery)) return false;
    return this.boundary === null || compareTasks(this.currentQuery.sort)(task, this.boundary) <= 0;
  }
}
