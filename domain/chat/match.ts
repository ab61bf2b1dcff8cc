// Which task a user means ("the dentist task", "the weekly standup"): a fuzzy match of the
// words they used over the titles of their own tasks, with fuse.js. Several close candidates
// are a question, never a guess; none is said so. Pure.
import Fuse from 'fuse.js';

export interface Candidate {
  id: string;
  title: string;
  status: 'pending' | 'completed' | 'deleted';
  seriesId: string | null;
  createdAt: number;
}

export type MatchResult<T extends Candidate> =
  | { kind: 'one'; task: T }
  | { kind: 'many'; candidates: T[] }
  | { kind: 'none' };

/** Fuse scores run from 0 (exact) to 1; above this a title is not what the user meant. */
const THRESHOLD = 0.4;
/** Candidates within this of the best score are as likely as it: ask. */
const CLOSE = 0.15;

const FILLER = /\b(?:the|my|a|an|task|todo|reminder|reminders|one|that|this|weekly|daily|monthly|yearly|recurring|repeating|series)\b/gi;

const simplify = (text: string): string => text.toLowerCase().replace(FILLER, ' ').replace(/[^\p{L}\p{N}\s]/gu, ' ').replace(/\s+/g, ' ').trim();

/**
 * The task `words` names among `tasks`, preferring those in `prefer` statuses (e.g. pending for
 * "complete …", completed for "reopen …"). Instances of one series count as one task: the
 * newest instance stands for it.
 */
export function matchTask<T extends Candidate>(words: string, tasks: readonly T[], prefer: readonly Candidate['status'][] = ['pending']): MatchResult<T> {
  const wanted = simplify(words) || words.toLowerCase().trim();
  if (wanted === '') return { kind: 'none' };
  const live = tasks.filter((t) => t.status !== 'deleted');
  const pools = [live.filter((t) => prefer.includes(t.status)), live];
  for (const pool of pools) {
    const found = matchIn(wanted, newestOfEachSeries(pool));
    if (found.kind !== 'none') return found;
  }
  return { kind: 'none' };
}

function newestOfEachSeries<T extends Candidate>(tasks: readonly T[]): T[] {
  const bySeries = new Map<string, T>();
  for (const task of tasks) {
    const key = task.seriesId ?? task.id;
    const seen = bySeries.get(key);
    if (!seen || task.createdAt > seen.createdAt) bySeries.set(key, task);
  }
  return [...bySeries.values()];
}

function matchIn<T extends Candidate>(wanted: string, tasks: T[]): MatchResult<T> {
  if (tasks.length === 0) return { kind: 'none' };
  const exact = tasks.filter((t) => simplify(t.title) === wanted || t.title.toLowerCase().trim() === wanted);
  if (exact.length === 1) return { kind: 'one', task: exact[0]! };
  if (exact.length > 1) return { kind: 'many', candidates: exact };
  const fuse = new Fuse(tasks, { keys: ['title'], includeScore: true, ignoreLocation: true, threshold: THRESHOLD, getFn: (t) => simplify(t.title) });
  const results = fuse.search(wanted).filter((r) => (r.score ?? 1) <= THRESHOLD);
  if (results.length === 0) return { kind: 'none' };
  const best = results[0]!.score ?? 0;
  const close = results.filter((r) => (r.score ?? 1) - best <= CLOSE);
  if (close.length === 1) return { kind: 'one', task: close[0]!.item };
  return { kind: 'many', candidates: close.slice(0, 5).map((r) => r.item) };
}
