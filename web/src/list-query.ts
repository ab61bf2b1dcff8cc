// The list's filters and sort as the user chose them: sent to GET /v1/tasks, and applied locally
// to a task that arrives over the socket, with the server's rules (gateway/task-query.ts), so
// a pushed task lands exactly where a reload would put it. Pure: no DOM, no I/O.
import type { Priority, SortName, Task } from './contract.js';

export type ListStatus = 'pending' | 'completed';

export interface ListQuery {
  /** Keywords; each must occur in the title or the description, case-insensitively. */
  q: string;
  /** Empty: both. */
  status: ListStatus[];
  /** Empty: any. */
  priority: Priority[];
  /** A task must carry every tag. */
  tags: string[];
  /** ISO instants: dueFrom inclusive, dueTo exclusive. */
  dueFrom: string | null;
  dueTo: string | null;
  sort: SortName;
}

export const DEFAULT_QUERY: ListQuery = { q: '', status: [], priority: [], tags: [], dueFrom: null, dueTo: null, sort: '-createdAt' };

/** As the server normalizes tags: trimmed, lower-cased, unique, empty ones dropped. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((tag) => tag.trim().toLowerCase()).filter((tag) => tag !== ''))];
}

const wordsOf = (q: string): string[] => [...new Set(q.toLowerCase().split(/\s+/u).filter((word) => word !== ''))];

export function toSearchParams(query: ListQuery, page: { cursor?: string | null; limit?: number } = {}): URLSearchParams {
  const params = new URLSearchParams();
  if (query.q.trim() !== '') params.set('q', query.q.trim());
  if (query.status.length > 0) params.set('status', query.status.join(','));
  if (query.priority.length > 0) params.set('priority', query.priority.join(','));
  if (query.tags.length > 0) params.set('tag', query.tags.join(','));
  if (query.dueFrom) params.set('dueFrom', query.dueFrom);
  if (query.dueTo) params.set('dueTo', query.dueTo);
  params.set('sort', query.sort);
  if (page.limit !== undefined) params.set('limit', String(page.limit));
  if (page.cursor) params.set('cursor', page.cursor);
  return params;
}

/** Would GET /v1/tasks with these filters list this task? */
export function matchesQuery(task: Task, query: ListQuery): boolean {
  if (task.status === 'deleted') return false;
  if (query.status.length > 0 && !query.status.includes(task.status)) return false;
  if (query.priority.length > 0 && !query.priority.includes(task.priority)) return false;
  if (!query.tags.every((tag) => task.tags.includes(tag))) return false;
  if (query.dueFrom !== null || query.dueTo !== null) {
    if (task.dueAt === null) return false;
    const due = Date.parse(task.dueAt);
    if (query.dueFrom !== null && due < Date.parse(query.dueFrom)) return false;
    if (query.dueTo !== null && due >= Date.parse(query.dueTo)) return false;
  }
  const title = task.title.toLowerCase();
  const description = (task.description ?? '').toLowerCase();
  return wordsOf(query.q).every((word) => title.includes(word) || description.includes(word));
}

const PRIORITY_RANK: Record<Priority, number> = { high: 0, medium: 1, low: 2 };

type Key = (task: Task) => number | string;
const created: Key = (task) => Date.parse(task.createdAt);
const id: Key = (task) => task.id;
const rank: Key = (task) => PRIORITY_RANK[task.priority];
const due: Key = (task) => (task.dueAt === null ? Number.NaN : Date.parse(task.dueAt));

/** The server's order for each sort (gateway/task-query.ts): every sort ends with the id, so it is total. */
const ASCENDING: Record<'createdAt' | 'priority' | 'dueAt', [Key, 1 | -1][]> = {
  createdAt: [
    [created, 1],
    [id, 1],
  ],
  priority: [
    [rank, 1],
    [created, -1],
    [id, -1],
  ],
  dueAt: [
    [due, 1],
    [created, -1],
    [id, -1],
  ],
};

const compareValues = (a: number | string, b: number | string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sorts like GET /v1/tasks: `-x` is the exact reverse of `x`, except that undated tasks come last for dueAt and -dueAt. */
export function compareTasks(sort: SortName): (a: Task, b: Task) => number {
  const descending = sort.startsWith('-');
  const name = (descending ? sort.slice(1) : sort) as keyof typeof ASCENDING;
  const keys = ASCENDING[name];
  return (a, b) => {
    if (name === 'dueAt' && (a.dueAt === null) !== (b.dueAt === null)) return a.dueAt === null ? 1 : -1;
    for (const [key, dir] of keys) {
      const ka = key(a);
      const kb = key(b);
      if (typeof ka === 'number' && Number.isNaN(ka)) continue; // both undated: the tie-breakers decide
      const order = compareValues(ka, kb) * dir;
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  };
}
