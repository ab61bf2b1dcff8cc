// From an intent and the user's own tasks to what to do: one write in the shape the HTTP API
// takes (so it passes the same validation and becomes the same event), one list query, one
// settings change, or a reply (a question when the task meant is unclear). Pure; the gateway
// runs the step and words the answer with `done`.
import type { TaskView } from '../task.js';
import { fromWallTime, startOfWallDay, toWallTime } from '../wall-clock.js';
import type { ChatClock } from './dates.js';
import type { ChatIntent, CreateBody, ListFilter } from './intents.js';
import { matchTask, type MatchResult } from './match.js';
import { describeFilter, describeInstant, helpReply, quote } from './reply.js';

/** A patch in the shape PATCH /v1/tasks/:id takes. */
export interface PatchBody {
  dueAt?: string | null;
  priority?: 'high' | 'medium' | 'low';
  tags?: string[];
  reminders?: ({ at: string } | { before: string })[];
  muted?: boolean;
}

export interface SettingsChange {
  timeZone?: string;
  quietHours?: { start: string; end: string } | null;
}

/** What a list reply says of each task. */
export type ListedTask = Pick<TaskView, 'title' | 'priority' | 'status' | 'dueAt'>;

export type LifecycleType = 'TaskCompleted' | 'TaskReopened' | 'TaskDeleted' | 'RecurrenceCancelled';

export type ChatStep =
  | { kind: 'reply'; reply: string }
  | { kind: 'create'; body: CreateBody; done: (task: TaskView) => string }
  | { kind: 'patch'; task: TaskView; patch: PatchBody; done: (task: TaskView) => string }
  | { kind: 'lifecycle'; task: TaskView; type: LifecycleType; done: (task: TaskView) => string }
  | { kind: 'list'; filter: ListFilter; done: (tasks: ListedTask[], more: boolean) => string }
  | { kind: 'settings'; change: SettingsChange; done: string };

const iso = (ms: number): string => new Date(ms).toISOString();

const remindersOf = (task: TaskView): NonNullable<PatchBody['reminders']> =>
  task.reminders.map((r) => (r.at !== null ? { at: iso(r.at) } : { before: r.before ?? 'PT0S' }));

function which(result: MatchResult<TaskView>, words: string, clock: ChatClock, onOne: (task: TaskView) => ChatStep): ChatStep {
  if (result.kind === 'one') return onOne(result.task);
  if (result.kind === 'none') return { kind: 'reply', reply: `I couldn't find a task matching ${quote(words)}. Say "show my tasks" to see them.` };
  const names = result.candidates.map((t) => `${quote(t.title)}${t.dueAt !== null ? ` (due ${describeInstant(t.dueAt, clock)})` : ''}${t.status === 'completed' ? ' (completed)' : ''}`);
  return { kind: 'reply', reply: `Which one do you mean: ${names.join(', ')}? Say it again with more of the title.` };
}

const dueText = (task: Pick<TaskView, 'dueAt'>, clock: ChatClock): string => (task.dueAt !== null ? `, due ${describeInstant(task.dueAt, clock)}` : '');

function createdReply(intent: Extract<ChatIntent, { intent: 'create' }>, task: TaskView, clock: ChatClock): string {
  if (intent.recurrenceText) {
    const first = task.dueAt !== null ? ` The first one is ${describeInstant(task.dueAt, clock)}.` : '';
    return `I've set up a recurring ${task.title} task ${intent.recurrenceText}.${first}`;
  }
  if (intent.remind && task.dueAt !== null) return `I'll remind you about ${quote(task.title)} ${describeInstant(task.dueAt, clock)}.`;
  const extras = [task.priority !== 'medium' ? `${task.priority} priority` : null, task.tags.length > 0 ? `tags: ${task.tags.join(', ')}` : null].filter(Boolean);
  return `I've added ${quote(task.title)}${dueText(task, clock)}${extras.length > 0 ? ` (${extras.join('; ')})` : ''}.`;
}

export function planChat(intent: ChatIntent, tasks: readonly TaskView[], clock: ChatClock): ChatStep {
  const pending = (words: string) => matchTask(words, tasks, ['pending']);
  switch (intent.intent) {
    case 'help':
      return { kind: 'reply', reply: helpReply("I manage your tasks.") };
    case 'unknown':
      return { kind: 'reply', reply: intent.hint ?? helpReply("Sorry, I didn't understand that.") };
    case 'create':
      return { kind: 'create', body: intent.body, done: (task) => createdReply(intent, task, clock) };
    case 'remind': {
      const found = pending(intent.target);
      if (found.kind === 'none') {
        if (intent.at === null) return { kind: 'reply', reply: `I couldn't find a task matching ${quote(intent.target)}. When should I remind you?` };
        return { kind: 'create', body: intent.create.body, done: (task) => createdReply(intent.create, task, clock) };
      }
      return which(found, intent.target, clock, (task) => {
        let reminder: { at: string } | { before: string };
        if (intent.before !== null) {
          if (task.dueAt === null) return { kind: 'reply', reply: `${quote(task.title)} has no due time, so "before" has nothing to count from. Give a time, e.g. "remind me about ${task.title} tomorrow at 9".` };
          reminder = { before: intent.before };
        } else if (intent.at !== null) reminder = intent.at === task.dueAt ? { before: 'PT0S' } : { at: iso(intent.at) };
        else if (task.dueAt !== null) reminder = { before: 'PT0S' };
        else return { kind: 'reply', reply: `When should I remind you about ${quote(task.title)}?` };
        const fireAt = 'at' in reminder ? Date.parse(reminder.at) : task.dueAt!;
        return {
          kind: 'patch',
          task,
          patch: { reminders: [...remindersOf(task), reminder] },
          done: (t) => `I'll remind you about ${quote(t.title)} ${'before' in reminder && reminder.before !== 'PT0S' ? `${reminder.before.replace(/^PT?/, '').toLowerCase()} before it is due` : describeInstant(fireAt, clock)}.`,
        };
      });
    }
    case 'list':
      return {
        kind: 'list',
        filter: intent.filter,
        done: (found, more) => {
          if (found.length === 0) return `No ${describeFilter(intent.filter)} found. Would you like to see all tasks instead?`;
          const what = describeFilter(intent.filter, found.length);
          const lines = found.map((t) => `• ${t.title}${t.priority === 'high' ? ' (high priority)' : ''}${dueText(t, clock)}${t.status === 'completed' ? ' ✓' : ''}`);
          const lead = more ? `Here are the first ${found.length} of your ${what}` : found.length === 1 ? `Here is your one ${what}` : `Here are your ${found.length} ${what}`;
          return `${lead}:\n${lines.join('\n')}`;
        },
      };
    case 'complete':
      return which(pending(intent.target), intent.target, clock, (task) =>
        task.status === 'completed'
          ? { kind: 'reply', reply: `${quote(task.title)} is already completed.` }
          : { kind: 'lifecycle', task, type: 'TaskCompleted', done: (t) => `I've marked ${quote(t.title)} as completed.` },
      );
    case 'reopen':
      return which(matchTask(intent.target, tasks, ['completed']), intent.target, clock, (task) =>
        task.status !== 'completed'
          ? { kind: 'reply', reply: `${quote(task.title)} is not completed.` }
          : { kind: 'lifecycle', task, type: 'TaskReopened', done: (t) => `I've reopened ${quote(t.title)}.` },
      );
    case 'delete':
      return which(matchTask(intent.target, tasks, ['pending', 'completed']), intent.target, clock, (task) => ({
        kind: 'lifecycle',
        task,
        type: 'TaskDeleted',
        done: () => `I've deleted ${quote(task.title)}.`,
      }));
    case 'mute':
    case 'unmute': {
      const muted = intent.intent === 'mute';
      return which(pending(intent.target), intent.target, clock, (task) =>
        task.muted === muted
          ? { kind: 'reply', reply: `${quote(task.title)} is already ${muted ? 'muted' : 'unmuted'}.` }
          : { kind: 'patch', task, patch: { muted }, done: (t) => (muted ? `I've muted ${quote(t.title)}: no reminders will be sent for it.` : `I've unmuted ${quote(t.title)}.`) },
      );
    }
    case 'reschedule':
      return which(pending(intent.target), intent.target, clock, (task) => {
        let at = intent.when.at;
        // "move it to Friday" keeps the task's time of day.
        if (!intent.when.hasTime && task.dueAt !== null) {
          const zone = task.timeZone ?? clock.timeZone;
          const timeOfDay = toWallTime(task.dueAt, zone) - startOfWallDay(toWallTime(task.dueAt, zone));
          const { year, month, day } = intent.when.wall;
          at = fromWallTime(Date.UTC(year, month - 1, day) + timeOfDay, zone);
        }
        return { kind: 'patch', task, patch: { dueAt: iso(at) }, done: (t) => `I've moved ${quote(t.title)} to ${describeInstant(t.dueAt ?? at, clock).replace(/^on /, '')}.` };
      });
    case 'stop':
      return which(pending(intent.target), intent.target, clock, (task) => {
        const series = task.recurrence !== null;
        if (intent.what === 'reminder' && task.reminders.length > 0) {
          return { kind: 'patch', task, patch: { reminders: [] }, done: (t) => `I've cancelled the ${task.reminders.length === 1 ? 'reminder' : 'reminders'} on ${quote(t.title)}.` };
        }
        if (series) return { kind: 'lifecycle', task, type: 'RecurrenceCancelled', done: (t) => `I've cancelled the recurring ${t.title} task.` };
        return { kind: 'reply', reply: `${quote(task.title)} does not repeat and has no reminders to cancel. Say "delete ${task.title}" to delete it.` };
      });
    case 'priority':
      return which(pending(intent.target), intent.target, clock, (task) =>
        task.priority === intent.priority
          ? { kind: 'reply', reply: `${quote(task.title)} already has ${intent.priority} priority.` }
          : { kind: 'patch', task, patch: { priority: intent.priority }, done: (t) => `I've set the priority of ${quote(t.title)} to ${t.priority}.` },
      );
    case 'tags':
      return which(matchTask(intent.target, tasks, ['pending', 'completed']), intent.target, clock, (task) => {
        const tags = [...task.tags.filter((t) => !intent.remove.includes(t)), ...intent.add.filter((t) => !task.tags.includes(t))];
        const said = [intent.add.length > 0 ? `added ${intent.add.join(', ')} to` : null, intent.remove.length > 0 ? `removed ${intent.remove.join(', ')} from` : null].filter(Boolean).join(' and ');
        return { kind: 'patch', task, patch: { tags }, done: (t) => `I've ${said} ${quote(t.title)}; its tags are now ${t.tags.length > 0 ? t.tags.join(', ') : 'none'}.` };
      });
    case 'settings': {
      const change: SettingsChange = {};
      const said: string[] = [];
      if (intent.timeZone !== undefined) {
        change.timeZone = intent.timeZone;
        said.push(`set your time zone to ${intent.timeZone}`);
      }
      if (intent.quietHours !== undefined) {
        change.quietHours = intent.quietHours;
        said.push(intent.quietHours === null ? 'turned off quiet hours' : `set quiet hours from ${intent.quietHours.start} to ${intent.quietHours.end}`);
      }
      return { kind: 'settings', change, done: `I've ${said.join(' and ')}.` };
    }
  }
}
