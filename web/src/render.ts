// Everything that writes the DOM. The task list is reconciled row by row (keyed by task id), so a
// push re-renders only the rows that changed and never disturbs an open editor or the focus.
//
// Test hooks (kept stable for end-to-end tests): each row is
//   <li data-task-id=ID data-version=N data-status=STATUS> with the title in `.title`.
import { describeHistoryEntry } from './chat.js';
import type { HistoryEntry, Task } from './contract.js';
import { PRIORITIES } from './contract.js';
import { formatInstant, toLocalInput } from './dates.js';
import type { InboxItem } from './inbox.js';
import type { ConnectionState } from './live.js';
import { describeRecurrence, describeReminder } from './schedule.js';

type Child = Node | string | null | undefined | false;

/** A small element builder: attributes (false/undefined ones left out) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, '');
    else if (typeof value === 'string') element.setAttribute(name, value);
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

/** The action buttons of a row: `data-action` says what a click does (main.ts listens on the list). */
export type RowAction = 'edit' | 'complete' | 'reopen' | 'delete';

function taskView(task: Task): HTMLDivElement {
  const completed = task.status === 'completed';
  const meta = [
    h('span', { class: `priority priority-${task.priority}` }, `${task.priority} priority`),
    task.dueAt ? h('span', { class: 'due' }, 'due ', h('time', { datetime: task.dueAt }, formatInstant(task.dueAt))) : null,
    ...task.tags.map((tag) => h('span', { class: 'tag' }, `#${tag}`)),
    task.reminders.length ? h('span', { class: 'reminders-meta' }, `reminders: ${task.reminders.map(describeReminder).join('; ')}`) : null,
    task.recurrence ? h('span', { class: 'recurrence-meta' }, describeRecurrence(task.recurrence, task.dueAt, task.timeZone)) : null,
    task.timeZone ? h('span', { class: 'zone' }, task.timeZone) : null,
    task.muted ? h('span', { class: 'muted-meta' }, 'muted') : null,
    completed ? h('span', { class: 'state' }, 'completed') : null,
  ];
  const action = (name: RowAction, label: string) => h('button', { type: 'button', 'data-action': name, 'aria-label': `${label}: ${task.title}` }, label);
  return h(
    'div',
    { class: 'task-view' },
    h('div', { class: 'task-text' }, h('span', { class: 'title' }, task.title), task.description ? h('p', { class: 'description' }, task.description) : null, h('p', { class: 'meta' }, ...meta)),
    h(
      'div',
      { class: 'actions' },
      completed ? action('reopen', 'Reopen') : action('complete', 'Complete'),
      action('edit', 'Edit'),
      action('delete', 'Delete'),
    ),
  );
}

/** (Re)draws a row for this version of the task, keeping an open editor and the focus. */
function fillRow(row: HTMLLIElement, task: Task): void {
  row.dataset.taskId = task.id;
  row.dataset.version = String(task.version);
  row.dataset.status = task.status;
  row.className = `task status-${task.status}`;
  const old = row.querySelector(':scope > .task-view');
  const focused = old?.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.action : undefined;
  const view = taskView(task);
  if (old) old.replaceWith(view);
  else row.prepend(view);
  // Complete and Reopen swap places: focus stays on the button that took the other's place.
  const swapped = focused === 'complete' ? 'reopen' : focused === 'reopen' ? 'complete' : focused;
  if (focused) view.querySelector<HTMLElement>(`[data-action="${focused}"], [data-action="${swapped}"]`)?.focus();
}

/** Makes `list` show `tasks` in order, touching only rows that are new, changed or moved. */
export function renderTasks(list: HTMLElement, tasks: readonly Task[]): void {
  const rows = new Map<string, HTMLLIElement>();
  for (const row of list.querySelectorAll<HTMLLIElement>(':scope > li[data-task-id]')) rows.set(row.dataset.taskId!, row);
  let next: ChildNode | null = list.firstChild;
  for (const task of tasks) {
    let row = rows.get(task.id);
    if (row) {
      rows.delete(task.id);
      if (row.dataset.version !== String(task.version) || row.dataset.status !== task.status) fillRow(row, task);
    } else {
      row = h('li');
      fillRow(row, task);
    }
    if (row === next) next = next.nextSibling;
    else list.insertBefore(row, next);
  }
  for (const row of rows.values()) {
    // A keyboard user whose row just left the list continues from the list, not from the page's top.
    if (row.contains(document.activeElement)) list.focus();
    row.remove();
  }
}

/** The inline editor of a row, filled with `task` (`schedule`: its schedule fields); its base version goes back as If-Match. */
export function openEditor(row: HTMLLIElement, task: Task, schedule: HTMLFieldSetElement): HTMLFormElement {
  row.querySelector(':scope > form.editor')?.remove();
  const id = (field: string) => `edit-${field}-${task.id}`;
  const field = (name: string, label: string, control: HTMLElement) => h('div', { class: 'field' }, h('label', { for: id(name) }, label), control);
  const priority = h('select', { id: id('priority'), name: 'priority' }, ...PRIORITIES.map((p) => h('option', { value: p, selected: p === task.priority }, p)));
  const form = h(
    'form',
    { class: 'editor', 'data-base-version': String(task.version), 'aria-label': `Edit ${task.title}` },
    // No maxlength: browsers count UTF-16 units, the server counts characters (500 emoji are a valid title).
    field('title', 'Title', h('input', { id: id('title'), name: 'title', required: true, value: task.title })),
    field('description', 'Description', h('textarea', { id: id('description'), name: 'description', rows: '2' }, task.description ?? '')),
    field('priority', 'Priority', priority),
    field('tags', 'Tags (comma-separated)', h('input', { id: id('tags'), name: 'tags', value: task.tags.join(', ') })),
    field('due', 'Due', h('input', { id: id('due'), name: 'due', type: 'datetime-local', value: toLocalInput(task.dueAt) })),
    schedule,
    h('p', { class: 'form-error error', role: 'alert' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save'), h('button', { type: 'button', 'data-action': 'cancel-edit' }, 'Cancel')),
  );
  row.append(form);
  row.classList.add('editing');
  form.querySelector<HTMLInputElement>('input[name="title"]')?.focus();
  return form;
}

export function closeEditor(row: HTMLLIElement): void {
  row.querySelector(':scope > form.editor')?.remove();
  row.classList.remove('editing');
  row.querySelector<HTMLElement>('[data-action="edit"]')?.focus();
}

const CONNECTION_TEXT: Record<ConnectionState, string> = { online: 'Online', reconnecting: 'Reconnecting…', offline: 'Offline' };

export function renderConnection(element: HTMLElement, state: ConnectionState): void {
  element.dataset.state = state;
  element.textContent = CONNECTION_TEXT[state];
}

const ACTIVITY_MAX = 200;

/** One live event, newest last. */
export function appendActivity(list: HTMLElement, entry: { eventId: string; type: string; taskId: string; title: string; at: string }): void {
  list.append(
    h(
      'li',
      { 'data-event-id': entry.eventId, 'data-event-type': entry.type, 'data-event-task': entry.taskId },
      h('span', { class: 'event-type' }, entry.type),
      ' ',
      h('span', { class: 'event-title' }, entry.title),
      ' ',
      h('time', { datetime: entry.at }, formatInstant(entry.at)),
    ),
  );
  while (list.children.length > ACTIVITY_MAX) list.firstElementChild?.remove();
}

const TOAST_MS = 8000;

/** A toast in the polite live region: read out by screen readers, dismissible, gone after a while. */
export function showToast(region: HTMLElement, toast: { title: string; body?: string; kind?: 'info' | 'error'; notificationId?: string }): void {
  const item = h(
    'div',
    { class: `toast toast-${toast.kind ?? 'info'}`, 'data-notification-id': toast.notificationId },
    h('strong', {}, toast.title),
    toast.body ? h('p', {}, toast.body) : null,
    h('button', { type: 'button', class: 'dismiss', 'aria-label': `Dismiss: ${toast.title}` }, '×'),
  );
  item.querySelector('button')!.addEventListener('click', () => item.remove());
  region.append(item);
  setTimeout(() => item.remove(), TOAST_MS);
}

/** The inbox, newest first: unread entries marked and with a Mark read button; the count in the heading. */
export function renderInbox(list: HTMLElement, count: HTMLElement, items: readonly InboxItem[]): void {
  const unread = items.filter((item) => item.readAt === null).length;
  count.dataset.unread = String(unread);
  count.textContent = unread ? `${unread} unread` : 'all read';
  const focused = list.contains(document.activeElement) ? (document.activeElement as HTMLElement).closest('li')?.dataset.notificationId : undefined;
  list.replaceChildren(
    ...items.map((item) =>
      h(
        'li',
        { 'data-notification-id': item.id, 'data-read': String(item.readAt !== null), class: item.readAt === null ? 'unread' : 'read' },
        h('div', { class: 'notification-text' }, h('strong', { class: 'notification-title' }, item.title), item.readAt === null ? h('span', { class: 'badge' }, 'unread') : null, h('p', {}, item.body), h('time', { datetime: item.dueAt }, formatInstant(item.dueAt))),
        item.readAt === null ? h('button', { type: 'button', 'data-action': 'mark-read', 'aria-label': `Mark read: ${item.title}` }, 'Mark read') : null,
      ),
    ),
  );
  if (items.length === 0) list.append(h('li', { class: 'empty hint' }, 'No notifications yet.'));
  // Marking one read removes its button: focus moves to the entry's neighbour's button, or the list.
  if (focused) (list.querySelector<HTMLElement>(`li[data-notification-id="${CSS.escape(focused)}"] button`) ?? list.querySelector<HTMLElement>('button[data-action="mark-read"]') ?? list).focus();
}

/** One message of the chat log: what the user said, or the reply with the tasks it touched. */
export function appendChat(log: HTMLElement, message: { from: 'user' | 'reply'; text: string; tasks?: readonly Task[]; failed?: boolean }): HTMLLIElement {
  const item = h(
    'li',
    { class: `chat-${message.from}${message.failed ? ' chat-failed' : ''}`, 'data-from': message.from, 'data-task-ids': message.tasks?.map((t) => t.id).join(' ') },
    h('span', { class: 'chat-text' }, message.text),
    message.tasks?.length ? h('span', { class: 'chat-touched-list' }, `Tasks: ${message.tasks.map((t) => t.title).join(', ')}`) : null,
  );
  log.append(item);
  item.scrollIntoView({ block: 'nearest' });
  return item;
}

/** Marks the rows of the tasks the last chat answer touched. */
export function highlightRows(list: HTMLElement, ids: ReadonlySet<string>): void {
  for (const row of list.querySelectorAll<HTMLLIElement>(':scope > li[data-task-id]')) {
    const touched = ids.has(row.dataset.taskId!);
    row.classList.toggle('chat-touched', touched);
    if (touched) row.dataset.chatTouched = 'true';
    else delete row.dataset.chatTouched;
  }
}

/** The task's history in its editor: one line per event, oldest first, with its outcome. */
export function renderHistory(section: HTMLElement, entries: readonly HistoryEntry[] | string): void {
  const body =
    typeof entries === 'string'
      ? h('p', { class: 'hint' }, entries)
      : entries.length === 0
        ? h('p', { class: 'hint' }, 'Nothing in the audit store yet.')
        : h(
            'ol',
            {},
            ...entries.map((entry) => {
              const { headline, outcome, detail } = describeHistoryEntry(entry);
              return h(
                'li',
                { 'data-event-id': entry.eventId, 'data-type': entry.type, 'data-outcome': entry.outcome, 'data-correlation-id': entry.correlationId ?? undefined },
                h('strong', {}, headline),
                ' ',
                h('span', { class: 'history-outcome' }, outcome),
                ' ',
                h('time', { datetime: entry.occurredAt }, formatInstant(entry.occurredAt)),
                detail ? h('span', { class: 'history-meta' }, ` ${detail}`) : null,
              );
            }),
          );
  section.querySelector(':scope > ol, :scope > p')?.remove();
  section.append(body);
  section.dataset.loaded = typeof entries === 'string' ? 'error' : 'true';
}
