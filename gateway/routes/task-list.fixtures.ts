// Generated `tasks` documents for the list endpoint's integration test and benchmark, in the
// task-view processor's document shape (the domain TaskView, _id = task id, and the storage-only
// fields), from a seeded generator: the same seed gives the same data set on every run.
//
// The vocabulary is chosen to catch mistakes: words differing only in case or accents, regex
// metacharacters next to words they would wrongly match when left unescaped ("a.b" beside
// "axb", "c++" beside "cc"), a word only other users use, one only deleted tasks use. Due and
// creation instants come from small sets, so sort ties are frequent and the _id tie-breaker counts.
import type { Priority } from '../../contracts/avro/generated/avro-types.js';
import type { TaskStatus } from '../../domain/task.js';
import { PRIORITY_RANK, type TaskDocument } from '../../views/task-view.js';

export type { TaskDocument };

/** mulberry32: small, fast, and good enough to vary test data deterministically. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const WORDS = [
  'report',
  'Report',
  'REPORT',
  'invoice',
  'groceries',
  'dentist',
  'meeting',
  'deploy',
  'garden',
  'budget',
  'review',
  'call',
  'Café',
  'cafe',
  'ÉCOLE',
  'c++',
  'cc',
  'a.b',
  'axb',
  '(urgent)',
  '50%',
  '[draft]',
] as const;
export const TAGS = ['work', 'home', 'errand', 'health', 'finance'] as const;
/** Only in other users' tasks: the caller searching for it must find nothing. */
export const OTHER_USERS_WORD = 'zebra';
/** Only in the caller's deleted tasks: searching for it must find nothing. */
export const DELETED_WORD = 'tombstone';

export const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

export interface GenerateOptions {
  userId: string;
  count: number;
  seed: number;
  /** Adds OTHER_USERS_WORD to some titles. */
  otherUser?: boolean;
  /** Share of deleted tasks (default 0.1). */
  deletedShare?: number;
}

export function generateTasks({ userId, count, seed, otherUser = false, deletedShare = 0.1 }: GenerateOptions): TaskDocument[] {
  const random = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const hex = (n: number) => Array.from({ length: n }, () => int(0, 15).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
  const phrase = (min: number, max: number) => Array.from({ length: int(min, max) }, () => pick(WORDS)).join(' ');

  const docs: TaskDocument[] = [];
  for (let i = 0; i < count; i++) {
    const id = uuid();
    const roll = random();
    const status: TaskStatus = roll < deletedShare ? 'deleted' : roll < deletedShare + 0.3 ? 'completed' : 'pending';
    let title = phrase(1, 3);
    if (otherUser && random() < 0.3) title += ` ${OTHER_USERS_WORD}`;
    if (status === 'deleted' && random() < 0.5) title += ` ${DELETED_WORD}`;
    const description = random() < 0.3 ? null : phrase(2, 6);
    const priority = pick<Priority>(['high', 'medium', 'low']);
    const tags = TAGS.filter(() => random() < 0.3);
    const createdAt = T0 + int(0, 200) * HOUR; // ~200 distinct values: many ties
    const dueAt = random() < 0.25 ? null : T0 + int(0, 60) * 12 * HOUR; // ~60 distinct values
    // A deleted task keeps the completedAt it had.
    const completed = status === 'completed' || (status === 'deleted' && random() < 0.5);
    const completedAt = completed ? createdAt + int(1, 400) * HOUR : null;
    const eventId = uuid();
    docs.push({
      _id: id,
      id,
      userId,
      title,
      description,
      priority,
      tags,
      dueAt,
      timeZone: random() < 0.5 ? 'Europe/Berlin' : null,
      recurrence: random() < 0.1 ? { rrule: 'FREQ=WEEKLY;BYDAY=MO', mode: 'on_completion', count: null, until: T0 + 90 * 24 * HOUR } : null,
      reminders:
        dueAt === null ? [] : random() < 0.5 ? [{ at: null, before: 'PT15M' }] : random() < 0.5 ? [{ at: dueAt - HOUR, before: null }] : [],
      muted: random() < 0.1,
      status,
      version: int(1, 5),
      createdAt,
      updatedAt: Math.max(createdAt, completedAt ?? createdAt),
      completedAt,
      seriesId: random() < 0.1 ? `series-${int(1, 3)}` : null,
      lastEventId: eventId,
      priorityRank: PRIORITY_RANK[priority],
      sourcePartition: int(0, 5),
      sourceOffset: i,
      recentEventIds: [eventId],
      rejectedEvents: [],
    });
  }
  return docs;
}
