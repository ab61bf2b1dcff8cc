// The chat panel's and the history's words (pure): which tasks a chat answer touched, and one
// line per history entry ("TaskUpdated: applied, title "a" → "b", by user:ana").
import type { ChatAnswer, HistoryEntry } from './contract.js';

/** The ids of the tasks an answer created, changed or listed: the list highlights them. */
export function touchedIds(answer: ChatAnswer): string[] {
  return [...new Set(answer.tasks.map((t) => t.id))];
}

const VERBS: Record<string, string> = {
  TaskCreated: 'Created',
  TaskUpdated: 'Changed',
  TaskCompleted: 'Completed',
  TaskReopened: 'Reopened',
  TaskDeleted: 'Deleted',
  RecurrenceCancelled: 'Recurrence cancelled',
};

const shown = (value: unknown): string => {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'string') return `"${value}"`;
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((v) => JSON.stringify(v)).join(', ');
  return JSON.stringify(value);
};

/** What the history says of one entry. */
export function describeHistoryEntry(entry: HistoryEntry): { headline: string; outcome: string; detail: string } {
  const headline = VERBS[entry.type] ?? entry.type;
  const outcome =
    entry.outcome === 'rejected'
      ? `rejected${entry.reason ? ` (${entry.reason.toLowerCase().replace(/_/g, ' ')})` : ''}`
      : entry.outcome === 'pending'
        ? 'pending'
        : entry.outcome === 'duplicate'
          ? 'duplicate (already applied)'
          : `applied${entry.version !== null ? `, version ${entry.version}` : ''}`;
  const changes = entry.changes.map((c) => `${c.field}: ${shown(c.before)} → ${shown(c.after)}`).join('; ');
  const by = entry.actor ? `by ${entry.actor}` : '';
  return { headline, outcome, detail: [changes, by].filter(Boolean).join(' — ') };
}
