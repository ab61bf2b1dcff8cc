// The page's wiring: sign-in and sign-out, the create form, the filters, the list's buttons and
// inline editor, and the live sync. State lives in TaskList (task-list.ts); this module turns
// user actions and server answers into calls on it, then re-renders.
import { Api, ApiError, type TaskInput, type WriteAnswer } from './api.js';
import type { ClientConfig, NotificationPush, Priority, SortName, TaskPush } from './contract.js';
import { fromLocalInput } from './dates.js';
import { DEFAULT_QUERY, parseTags, type ListQuery, type ListStatus } from './list-query.js';
import { LiveSync } from './live.js';
import { Inbox } from './inbox.js';
import { appendActivity, appendChat, closeEditor, h, highlightRows, openEditor, renderConnection, renderHistory, renderInbox, renderTasks, showToast } from './render.js';
import { touchedIds } from './chat.js';
import { schedulePayload, scheduleFormOf } from './schedule.js';
import { EMPTY_SCHEDULE, readSchedule, resetSchedule, scheduleFieldset, timeZoneList } from './schedule-fields.js';
import { clearSession, CursorStore, loadSession, saveSession, sessionOf, type Session } from './session.js';
import { neverSaved, settingsFormOf, settingsPayload } from './settings.js';
import { isNews, TaskList } from './task-list.js';

function element<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`index.html has no ${selector}`);
  return found;
}

const ui = {
  main: element<HTMLElement>('#main'),
  connection: element<HTMLElement>('#connection'),
  account: element<HTMLElement>('#account'),
  whoami: element<HTMLElement>('#whoami'),
  signOut: element<HTMLButtonElement>('#sign-out'),
  signIn: element<HTMLElement>('#sign-in'),
  signInError: element<HTMLElement>('#sign-in-error'),
  devLogin: element<HTMLFormElement>('#dev-login'),
  tokenLogin: element<HTMLFormElement>('#token-login'),
  app: element<HTMLElement>('#app'),
  create: element<HTMLFormElement>('#create-task'),
  filters: element<HTMLFormElement>('#filters'),
  filtersReset: element<HTMLButtonElement>('#filters-reset'),
  listStatus: element<HTMLElement>('#list-status'),
  tasks: element<HTMLUListElement>('#tasks'),
  loadMore: element<HTMLButtonElement>('#load-more'),
  activity: element<HTMLOListElement>('#activity'),
  toasts: element<HTMLElement>('#toasts'),
  inbox: element<HTMLUListElement>('#inbox'),
  inboxCount: element<HTMLElement>('#inbox-count'),
  settings: element<HTMLFormElement>('#settings'),
  settingsStatus: element<HTMLElement>('#settings-status'),
  chatLog: element<HTMLOListElement>('#chat-log'),
  chatForm: element<HTMLFormElement>('#chat-form'),
};
/** The tasks the last chat answer touched: their rows are highlighted. */
let chatTouched = new Set<string>();
const createSchedule = scheduleFieldset(EMPTY_SCHEDULE);
ui.create.querySelector('.form-error')!.before(createSchedule);

let session: Session | null = null;
let config: ClientConfig = { bridgeUrl: `${location.protocol}//${location.hostname}:8090`, devLogin: false };
let live: LiveSync | null = null;
let list = new TaskList();
const inbox = new Inbox();

const api = new Api(
  () => session?.token ?? null,
  (error) => signOut(`Your session is no longer valid (${error.code}). Please sign in again.`),
);

const toast = (title: string, body?: string) => showToast(ui.toasts, body === undefined ? { title } : { title, body });
const toastError = (title: string, body?: string) => showToast(ui.toasts, { title, kind: 'error', ...(body === undefined ? {} : { body }) });
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A text field of a form ('' when absent). */
const fieldOf = (form: HTMLFormElement) => {
  const data = new FormData(form);
  return (name: string): string => {
    const value = data.get(name);
    return typeof value === 'string' ? value : '';
  };
};

// ---------------------------------------------------------------------------------------------
// Signing in and out

function showSignIn(message = ''): void {
  ui.app.hidden = true;
  ui.account.hidden = true;
  ui.signIn.hidden = false;
  ui.devLogin.hidden = !config.devLogin;
  ui.signInError.textContent = message;
  renderConnection(ui.connection, 'offline');
  (config.devLogin ? ui.devLogin : ui.tokenLogin).querySelector<HTMLElement>('input, textarea')?.focus();
}

function enter(signedIn: Session): void {
  session = signedIn;
  saveSession(signedIn);
  ui.signIn.hidden = true;
  ui.app.hidden = false;
  ui.account.hidden = false;
  ui.whoami.textContent = signedIn.userId;
  ui.tasks.replaceChildren();
  ui.activity.replaceChildren();
  ui.chatLog.replaceChildren();
  chatTouched = new Set();
  list = new TaskList();
  list.setQuery(readFilters());
  inbox.clear();
  renderInbox(ui.inbox, ui.inboxCount, inbox.items);
  void load('replace');
  void loadInbox();
  void loadSettings();
  startLive(signedIn);
  ui.main.focus();
}

function signOut(message = ''): void {
  if (!session) return;
  session = null;
  live?.stop();
  live = null;
  clearSession();
  ui.tasks.replaceChildren();
  ui.activity.replaceChildren();
  inbox.clear();
  renderInbox(ui.inbox, ui.inboxCount, inbox.items);
  showSignIn(message);
}

ui.devLogin.addEventListener('submit', (event) => {
  event.preventDefault();
  const userId = fieldOf(ui.devLogin)('userId').trim();
  api.devLogin(userId).then(
    (token) => {
      const signedIn = sessionOf(token);
      if (signedIn) enter(signedIn);
      else ui.signInError.textContent = 'The server answered without a usable token.';
    },
    (err: unknown) => {
      ui.signInError.textContent = messageOf(err);
    },
  );
});

ui.tokenLogin.addEventListener('submit', (event) => {
  event.preventDefault();
  const signedIn = sessionOf(fieldOf(ui.tokenLogin)('token'));
  if (!signedIn) {
    ui.signInError.textContent = 'That is not a JWT with a subject (sub).';
    return;
  }
  ui.tokenLogin.reset();
  // An invalid token is found out by the first request: its 401 brings the user back here.
  enter(signedIn);
});

ui.signOut.addEventListener('click', () => signOut());

// ---------------------------------------------------------------------------------------------
// The list

function render(): void {
  renderTasks(ui.tasks, list.items);
  highlightRows(ui.tasks, chatTouched);
  ui.loadMore.hidden = list.nextCursor === null;
  const count = list.items.length;
  ui.listStatus.textContent = count === 0 ? 'No tasks match.' : `${count} task${count === 1 ? '' : 's'}${list.nextCursor ? ' shown, more to load' : ''}`;
}

async function load(mode: 'replace' | 'append'): Promise<void> {
  const ticket = list.beginLoad(mode);
  const target = list;
  ui.tasks.setAttribute('aria-busy', 'true');
  ui.loadMore.disabled = true;
  try {
    const page = await api.listTasks(target.query, ticket.cursor);
    if (target === list && target.applyPage(ticket, page)) render();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toastError('Could not load the tasks', messageOf(err));
  } finally {
    ui.tasks.removeAttribute('aria-busy');
    ui.loadMore.disabled = false;
  }
}

function readFilters(): ListQuery {
  const text = fieldOf(ui.filters);
  const status = text('status');
  const priority = text('priority');
  const sort = `${text('descending') ? '-' : ''}${text('sort') || 'createdAt'}` as SortName;
  return {
    ...DEFAULT_QUERY,
    q: text('q').trim(),
    status: status ? [status as ListStatus] : [],
    priority: priority ? [priority as Priority] : [],
    tags: parseTags(text('tag')),
    dueFrom: fromLocalInput(text('dueFrom')),
    dueTo: fromLocalInput(text('dueTo')),
    sort,
  };
}

function applyFilters(): void {
  list.setQuery(readFilters());
  render();
  void load('replace');
}

ui.filters.addEventListener('submit', (event) => {
  event.preventDefault();
  applyFilters();
});
ui.filters.addEventListener('change', (event) => {
  // Choices apply at once; typed text applies on Enter (or the Apply button).
  if (event.target instanceof HTMLSelectElement || (event.target instanceof HTMLInputElement && event.target.type === 'checkbox')) applyFilters();
});
ui.filtersReset.addEventListener('click', () => {
  ui.filters.reset();
  applyFilters();
});
ui.loadMore.addEventListener('click', () => void load('append'));

// ---------------------------------------------------------------------------------------------
// Writes

/** The form's task, or null after showing what is wrong in its alert (and focusing the schedule). */
function taskInput(form: HTMLFormElement): TaskInput | null {
  const text = fieldOf(form);
  const dueAt = fromLocalInput(text('due'));
  const schedule = schedulePayload(readSchedule(form.querySelector<HTMLFieldSetElement>('fieldset.schedule')!, dueAt));
  const error = form.querySelector<HTMLElement>('.form-error')!;
  if (!schedule.ok) {
    error.textContent = schedule.problem;
    form.querySelector<HTMLElement>('fieldset.schedule select, fieldset.schedule input')?.focus();
    return null;
  }
  error.textContent = '';
  return {
    title: text('title').trim(),
    description: text('description').trim() || null,
    priority: (text('priority') || 'medium') as Priority,
    tags: parseTags(text('tags')),
    dueAt,
    ...schedule.value,
  };
}

/** Shows what a write answered; the task itself comes back over the socket too, and is then old news. */
function applyAnswer(answer: WriteAnswer, taskId: string | null): void {
  if (answer.kind === 'task') list.applyTask(answer.task);
  else if (answer.kind === 'deleted' && taskId) list.markDeleted(taskId);
  else if (answer.kind === 'accepted') {
    toast(answer.status === 'queued' ? 'Saved while the server catches up' : 'Saved', 'The change will show here once it has been processed.');
  }
  render();
}

/** The newest version from the server, after a conflict or a stale view. */
async function refreshTask(taskId: string): Promise<void> {
  try {
    list.applyTask(await api.getTask(taskId));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) list.markDeleted(taskId);
    else throw err;
  }
  render();
}

/** A refused write: a conflict reloads the task, anything else is reported. */
async function writeFailed(err: unknown, taskId: string | null): Promise<void> {
  if (err instanceof ApiError && err.status === 401) return;
  if (err instanceof ApiError && err.status === 409 && taskId) {
    toastError('Not saved: this task was changed elsewhere', 'It now shows its latest version; check it and try again.');
    await refreshTask(taskId);
    return;
  }
  if (err instanceof ApiError && err.status === 404 && taskId) {
    toastError('This task no longer exists');
    list.markDeleted(taskId);
    render();
    return;
  }
  toastError('Not saved', messageOf(err));
}

ui.create.addEventListener('submit', (event) => {
  event.preventDefault();
  const input = taskInput(ui.create);
  if (!input) return;
  const button = ui.create.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  button.disabled = true;
  api
    .createTask(input)
    .then((answer) => {
      applyAnswer(answer, null);
      ui.create.reset();
      resetSchedule(createSchedule);
      ui.create.querySelector<HTMLInputElement>('input[name="title"]')?.focus();
    })
    .catch((err: unknown) => writeFailed(err, null))
    .finally(() => {
      button.disabled = false;
    })
    .catch(reportBug);
});

ui.tasks.addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
  const row = button?.closest<HTMLLIElement>('li[data-task-id]');
  const task = row ? list.get(row.dataset.taskId!) : undefined;
  if (!button || !row || !task) return;
  const action = button.dataset.action;
  if (action === 'edit') {
    const form = openEditor(row, task, scheduleFieldset(scheduleFormOf(task)));
    void showHistory(form, task.id);
    return;
  }
  if (action === 'refresh-history') {
    const form = row.querySelector<HTMLFormElement>(':scope > form.editor');
    if (form) void showHistory(form, task.id);
    return;
  }
  if (action === 'cancel-edit') {
    closeEditor(row);
    return;
  }
  // Other buttons in the row (the editor's Add reminder, ...) are not list actions.
  if (action !== 'complete' && action !== 'reopen' && action !== 'delete') return;
  const call = action === 'complete' ? api.complete(task.id, task.version) : action === 'reopen' ? api.reopen(task.id, task.version) : api.deleteTask(task.id, task.version);
  row.setAttribute('aria-busy', 'true');
  call
    .then((answer) => applyAnswer(answer, task.id))
    .catch((err: unknown) => writeFailed(err, task.id))
    .finally(() => row.removeAttribute('aria-busy'))
    .catch(reportBug);
});

ui.tasks.addEventListener('keydown', (event) => {
  const form = (event.target as HTMLElement).closest('form.editor');
  const row = form?.closest<HTMLLIElement>('li[data-task-id]');
  if (event.key === 'Escape' && row) closeEditor(row);
});

ui.tasks.addEventListener('submit', (event) => {
  const form = event.target as HTMLFormElement;
  const row = form.closest<HTMLLIElement>('li[data-task-id]');
  if (!form.matches('form.editor') || !row) return;
  event.preventDefault();
  const taskId = row.dataset.taskId!;
  // The version the user started editing from: if the task moved on since, the gateway says 409.
  const baseVersion = Number(form.dataset.baseVersion);
  const input = taskInput(form);
  if (!input) return;
  api
    .updateTask(taskId, baseVersion, input)
    .then((answer) => {
      closeEditor(row);
      applyAnswer(answer, taskId);
    })
    .catch(async (err: unknown) => {
      if (err instanceof ApiError && err.status === 409) {
        await writeFailed(err, taskId);
        // Keep what the user typed; the next Save is based on the version now shown.
        const latest = list.get(taskId);
        if (latest) form.dataset.baseVersion = String(latest.version);
        form.querySelector('.conflict')?.remove();
        form.prepend(
          h('p', { class: 'conflict error', role: 'alert' }, 'This task was changed elsewhere and your edit was not saved. The task above shows the latest version; Save again to overwrite it, or Cancel.'),
        );
        return;
      }
      await writeFailed(err, taskId);
    })
    .catch(reportBug);
});

/** The task's history (GET /v1/tasks/:id/history, from the audit store) at the foot of its editor. */
async function showHistory(form: HTMLFormElement, taskId: string): Promise<void> {
  let section = form.querySelector<HTMLElement>(':scope > section.history');
  if (!section) {
    section = h(
      'section',
      { class: 'history', 'aria-label': 'History' },
      h('h3', {}, 'History ', h('button', { type: 'button', 'data-action': 'refresh-history', 'aria-label': 'Refresh the history' }, 'Refresh')),
    );
    form.append(section);
  }
  section.setAttribute('aria-busy', 'true');
  try {
    const items = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof api.history>> = await api.history(taskId, cursor);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < 500);
    renderHistory(section, items);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) renderHistory(section, `Could not load the history: ${messageOf(err)}`);
  } finally {
    section.removeAttribute('aria-busy');
  }
}

// ---------------------------------------------------------------------------------------------
// Chat

ui.chatForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const input = ui.chatForm.querySelector<HTMLInputElement>('input[name="message"]')!;
  const message = input.value.trim();
  if (!message) return;
  const button = ui.chatForm.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  button.disabled = true;
  appendChat(ui.chatLog, { from: 'user', text: message });
  api
    .chat(message)
    .then((answer) => {
      input.value = '';
      // Written tasks are the view's answer: the list shows them now (the push comes later, old news).
      const written = answer.actions.some((a) => a.status === 'applied' && a.type !== 'UserSettingsChanged');
      if (written) for (const task of answer.tasks) if (task.status === 'deleted') list.markDeleted(task.id); else list.applyTask(task);
      chatTouched = new Set(touchedIds(answer));
      appendChat(ui.chatLog, { from: 'reply', text: answer.reply, tasks: answer.tasks });
      render();
      if (answer.actions.some((a) => a.type === 'UserSettingsChanged')) void loadSettings();
    })
    .catch((err: unknown) => {
      if (!(err instanceof ApiError && err.status === 401)) appendChat(ui.chatLog, { from: 'reply', text: `Sorry, that failed: ${messageOf(err)}`, failed: true });
    })
    .finally(() => {
      button.disabled = false;
      input.focus();
    })
    .catch(reportBug);
});

// ---------------------------------------------------------------------------------------------
// Live sync

function onPush(push: TaskPush): void {
  const outcome = list.applyPush(push);
  if (outcome.kind === 'inserted' || outcome.kind === 'updated' || outcome.kind === 'removed') render();
  if (isNews(outcome)) {
    appendActivity(ui.activity, {
      eventId: push.event.id,
      type: push.event.type,
      taskId: push.event.taskId,
      title: outcome.task?.title ?? push.event.taskId,
      at: push.event.occurredAt,
    });
  }
}

function onNotification(push: NotificationPush): void {
  // Once per id: a device that reconnects before its ack landed is sent the notification again.
  if (!inbox.receive(push)) return;
  renderInbox(ui.inbox, ui.inboxCount, inbox.items);
  showToast(ui.toasts, { title: push.notification.title, body: push.notification.body, notificationId: push.notification.id });
}

// ---------------------------------------------------------------------------------------------
// Notifications inbox

async function loadInbox(): Promise<void> {
  const target = session;
  try {
    const items = await api.notifications();
    if (session !== target) return;
    inbox.load(items);
    renderInbox(ui.inbox, ui.inboxCount, inbox.items);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toastError('Could not load the notifications', messageOf(err));
  }
}

ui.inbox.addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-action="mark-read"]');
  const id = button?.closest<HTMLLIElement>('li[data-notification-id]')?.dataset.notificationId;
  if (!button || !id) return;
  button.disabled = true;
  api
    .markRead(id)
    .then((read) => {
      inbox.markRead(read);
      renderInbox(ui.inbox, ui.inboxCount, inbox.items);
    })
    .catch((err: unknown) => {
      button.disabled = false;
      if (!(err instanceof ApiError && err.status === 401)) toastError('Could not mark it read', messageOf(err));
    })
    .catch(reportBug);
});

// ---------------------------------------------------------------------------------------------
// Settings

const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

async function loadSettings(): Promise<void> {
  const target = session;
  try {
    const settings = await api.settings();
    if (session !== target) return;
    const form = settingsFormOf(settings, browserZone());
    const field = (name: string) => ui.settings.elements.namedItem(name) as HTMLInputElement;
    field('timeZone').value = form.timeZone;
    field('quietStart').value = form.quietStart;
    field('quietEnd').value = form.quietEnd;
    field('email').checked = form.email;
    field('push').checked = form.push;
    ui.settings.dataset.loaded = 'true';
    ui.settingsStatus.textContent = neverSaved(settings) ? "Not saved yet: the time zone shown is this browser's." : '';
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toastError('Could not load the settings', messageOf(err));
  }
}

ui.settings.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = fieldOf(ui.settings);
  const checked = (name: string) => (ui.settings.elements.namedItem(name) as HTMLInputElement).checked;
  const parsed = settingsPayload({ timeZone: text('timeZone'), quietStart: text('quietStart'), quietEnd: text('quietEnd'), email: checked('email'), push: checked('push') });
  if (!parsed.ok) {
    ui.settingsStatus.textContent = parsed.problem;
    return;
  }
  const button = ui.settings.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  button.disabled = true;
  ui.settingsStatus.textContent = 'Saving…';
  api
    .saveSettings(parsed.value)
    .then((saved) => {
      ui.settingsStatus.textContent = saved ? 'Saved.' : 'Saved; it takes a moment to apply.';
    })
    .catch((err: unknown) => {
      ui.settingsStatus.textContent = err instanceof ApiError && err.code === 'VALIDATION_FAILED' ? `Not saved: ${err.message}` : `Not saved: ${messageOf(err)}`;
    })
    .finally(() => {
      button.disabled = false;
    })
    .catch(reportBug);
});
timeZoneList();

function startLive(signedIn: Session): void {
  live?.stop();
  live = new LiveSync(config.bridgeUrl, signedIn.token, new CursorStore(signedIn.userId), {
    task: onPush,
    resync: () => void load('replace'),
    notification: onNotification,
    state: (state) => renderConnection(ui.connection, state),
    unauthorized: () => signOut('The live connection refused your token. Please sign in again.'),
  });
  live.start();
}

function reportBug(err: unknown): void {
  console.error(err);
  toastError('Something went wrong', messageOf(err));
}

// ---------------------------------------------------------------------------------------------
// Start

async function boot(): Promise<void> {
  try {
    config = await api.config();
  } catch (err) {
    toastError('Could not read the client configuration', messageOf(err));
  }
  const saved = loadSession();
  if (saved) enter(saved);
  else showSignIn();
}

void boot();
