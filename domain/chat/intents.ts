// The chat grammar: an ordered table of our own patterns, from a message to one intent with
// its fields. The command set is closed, so there is no classifier: the first row that matches
// wins, and a message no row matches is "unknown" (answered with examples). Pure: the clock
// (reference instant and the user's zone) is passed in.
import { findWhen, instantOf, isoDuration, rangeOf, RANGE_PATTERN, type ChatClock, type FoundWhen, type InstantRange } from './dates.js';
import { describeRecurrence, findEndCondition, findRecurrence, firstOccurrence, SERIES_WORDS, toRrule } from './recurrence-phrases.js';
import { formatClockTime } from './reply.js';
import { cleanTarget, cleanTitle, cutSpans, normalizeMessage } from './text.js';

export type Priority = 'high' | 'medium' | 'low';

/** A new task in the shape POST /v1/tasks takes, so it passes the very same validation. */
export interface CreateBody {
  title: string;
  priority?: Priority;
  tags?: string[];
  dueAt?: string;
  recurrence?: { rrule: string; mode: 'on_completion' | 'on_schedule'; count: number | null; until: string | null };
  reminders?: ({ at: string } | { before: string })[];
}

export interface CreateIntent {
  intent: 'create';
  body: CreateBody;
  /** How the reply names the series: "every Monday at 9 AM". */
  recurrenceText: string | null;
  /** The message asked to be reminded ("remind me to …"). */
  remind: boolean;
}

export interface ListFilter {
  status: ('pending' | 'completed')[];
  priority: Priority[] | null;
  tags: string[];
  words: string[];
  due: InstantRange | null;
  completed: InstantRange | null;
  sort: 'dueAt' | '-createdAt' | 'priority';
}

export type ChatIntent =
  | { intent: 'help' }
  | CreateIntent
  /** "remind me about the dentist tomorrow at 9": a reminder on an existing task, else a new one. */
  | { intent: 'remind'; target: string; at: number | null; before: string | null; create: CreateIntent }
  | { intent: 'list'; filter: ListFilter }
  | { intent: 'complete' | 'reopen' | 'delete' | 'mute' | 'unmute'; target: string }
  | { intent: 'reschedule'; target: string; when: FoundWhen }
  | { intent: 'stop'; target: string; what: 'recurrence' | 'reminder' | null }
  | { intent: 'priority'; target: string; priority: Priority }
  | { intent: 'tags'; target: string; add: string[]; remove: string[] }
  | { intent: 'settings'; timeZone?: string; quietHours?: { start: string; end: string } | null }
  | { intent: 'unknown'; hint: string | null };

const iso = (ms: number): string => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------
// Pieces of a task in free text

const PRIORITY_PATTERNS: { pattern: RegExp; priority: (m: RegExpExecArray) => Priority }[] = [
  { pattern: /\b(high|medium|low|top|normal)[\s-]*(?:priority|prio|pri)\b/i, priority: (m) => priorityWord(m[1]!) },
  { pattern: /\b(?:priority|prio)\s*[:=]?\s*(high|medium|low|normal|top)\b/i, priority: (m) => priorityWord(m[1]!) },
  { pattern: /\b(?:as\s+)?(urgent|important)(?=\s*[:,]|\s+(?:task|todo|thing)|$)/i, priority: () => 'high' },
  { pattern: /(?:^|\s)!(high|medium|low)\b/i, priority: (m) => priorityWord(m[1]!) },
];

function priorityWord(word: string): Priority {
  const w = word.toLowerCase();
  if (w === 'top' || w === 'urgent' || w === 'important' || w === 'high') return 'high';
  if (w === 'low') return 'low';
  return 'medium';
}

interface Span {
  index: number;
  text: string;
}

function findPriority(text: string): { priority: Priority; span: Span } | null {
  for (const { pattern, priority } of PRIORITY_PATTERNS) {
    const m = pattern.exec(text);
    if (m) return { priority: priority(m), span: { index: m.index, text: m[0] } };
  }
  return null;
}

const TAG_WORD = String.raw`[\p{L}\p{N}_-]+`;
const TAG_LIST = new RegExp(
  String.raw`(?:,\s*|\s+|^)(?:with\s+(?:the\s+)?)?(?:tagged(?:\s+as|\s+with)?|tags?\b|labelled|labeled|labels?\b)\s*(?::|=|as|with)?\s*((?:["']?${TAG_WORD}["']?)(?:\s*(?:,|&|\band\b)\s*["']?${TAG_WORD}["']?)*)`,
  'iu',
);
const HASHTAG = new RegExp(String.raw`(?:^|\s)#(${TAG_WORD})`, 'gu');

function splitTags(list: string): string[] {
  return list
    .split(/\s*(?:,|&|\band\b)\s*/i)
    .map((t) => t.replace(/["']/g, '').trim().toLowerCase())
    .filter((t) => t.length > 0);
}

function findTags(text: string): { tags: string[]; spans: Span[] } {
  const tags: string[] = [];
  const spans: Span[] = [];
  const m = TAG_LIST.exec(text);
  if (m) {
    tags.push(...splitTags(m[1]!));
    spans.push({ index: m.index, text: m[0] });
  }
  for (const h of text.matchAll(HASHTAG)) {
    tags.push(h[1]!.toLowerCase());
    spans.push({ index: h.index, text: h[0] });
  }
  return { tags: [...new Set(tags)], spans };
}

const AMOUNT = String.raw`(\d{1,4}|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|half an?)`;
const UNIT = String.raw`(minutes?|mins?|hours?|hrs?|days?|weeks?)`;
const BEFORE = new RegExp(
  String.raw`(?:,?\s*(?:and\s+)?(?:remind me|with\s+(?:a\s+)?reminders?|reminders?|alert me|notify me|ping me)\s+)?${AMOUNT}\s*${UNIT}\s+(?:before(?:hand)?|ahead|earlier|prior)\b`,
  'gi',
);

function findBefore(text: string): { before: string[]; spans: Span[] } {
  const before: string[] = [];
  const spans: Span[] = [];
  for (const m of text.matchAll(BEFORE)) {
    const duration = isoDuration(m[1]!, m[2]!);
    if (duration) {
      before.push(duration);
      spans.push({ index: m.index, text: m[0] });
    }
  }
  return { before, spans };
}

const MODE = /\b(?:after|on|upon|when|once)\s+(?:i\s+)?(?:complete|completion|finish|finished|done|(?:it'?s|it is)\s+done)\w*\b(?:\s+it)?/i;


/** Everything a create (or a "remind me to …") can say, pulled out of `text`. */
function parseTaskText(text: string, clock: ChatClock, remind: boolean): CreateIntent | { intent: 'unknown'; hint: string } {
  const spans: Span[] = [];
  const tags = findTags(text);
  spans.push(...tags.spans);
  let rest = cutSpans(text, spans);
  const priority = findPriority(rest);
  if (priority) rest = cutSpans(rest, [priority.span]);
  const before = findBefore(rest);
  rest = cutSpans(rest, before.spans);
  const mode = MODE.exec(rest);
  if (mode) rest = cutSpans(rest, [{ index: mode.index, text: mode[0] }]);
  const recurrence = findRecurrence(rest);
  let end = null;
  if (recurrence) {
    rest = cutSpans(rest, [recurrence]);
    end = findEndCondition(rest, clock);
    rest = cutSpans(rest, end.spans);
  }
  const when = findWhen(rest, clock);
  if (when) rest = cutSpans(rest, [when]);

  const title = cleanTitle(rest);
  if (title === '' || /^(?:task|todo|reminder|it|something|add|create|new|make|schedule|remind)$/i.test(title)) {
    return { intent: 'unknown', hint: 'What should the task be called? For example: "add a task: buy milk tomorrow at 5pm".' };
  }
  const body: CreateBody = { title };
  if (priority) body.priority = priority.priority;
  if (tags.tags.length > 0) body.tags = tags.tags;
  let recurrenceText: string | null = null;

  if (recurrence) {
    const rrule = toRrule(recurrence.parts);
    const time = when?.hasTime ? { hour: when.wall.hour, minute: when.wall.minute } : (recurrence.parts.impliedTime ?? { hour: 9, minute: 0 });
    // A date in the message ("starting next Monday") starts the search on that day.
    const first = firstOccurrence(rrule, time, clock, when?.dateGiven ? instantOf(clock.timeZone, when.wall.year, when.wall.month, when.wall.day, 0, 0) : clock.now);
    if (first === null) return { intent: 'unknown', hint: 'That series would never have an occurrence. Try "every Monday at 9am".' };
    body.dueAt = iso(first);
    body.recurrence = { rrule, mode: mode ? 'on_completion' : 'on_schedule', count: end?.count ?? null, until: end?.until != null ? iso(end.until) : null };
    const ends = end?.count ? `, ${end.count} times` : end?.until != null ? `, until ${new Intl.DateTimeFormat('en-US', { timeZone: clock.timeZone, month: 'long', day: 'numeric', year: 'numeric' }).format(end.until)}` : '';
    recurrenceText = `${describeRecurrence(recurrence.parts)} at ${formatClockTime(time.hour, time.minute)}${ends}`;
  } else if (when) {
    body.dueAt = iso(when.at);
  }
  const reminders: CreateBody['reminders'] = before.before.map((b) => ({ before: b }));
  if (remind && reminders.length === 0) {
    if (body.dueAt) reminders.push({ before: 'PT0S' });
    else return { intent: 'unknown', hint: `When should I remind you about "${title}"? For example: "remind me to ${title} tomorrow at 9am".` };
  }
  if (reminders.length > 0) {
    if (!body.dueAt) return { intent: 'unknown', hint: `A reminder "before" needs a due time: when is "${title}" due?` };
    body.reminders = reminders;
  }
  return { intent: 'create', body, recurrenceText, remind };
}

// ---------------------------------------------------------------------------------------------
// Lists

const STATUS_COMPLETED = /\b(completed|complete|done|finished|closed)\b/i;
const STATUS_PENDING = /\b(incomplete|pending|open|outstanding|unfinished|remaining|not done|uncompleted|todo|to-do|to do|left)\b/i;
const LIST_STOP = new Set([
  'all', 'my', 'the', 'me', 'show', 'list', 'tasks', 'task', 'todos', 'todo', 'high', 'medium', 'low', 'priority', 'high-priority', 'low-priority', 'medium-priority',
  'completed', 'complete', 'done', 'finished', 'pending', 'open', 'incomplete', 'overdue', 'urgent', 'important', 'due', 'this', 'next', 'week', 'today',
  'tomorrow', 'any', 'every', 'outstanding', 'unfinished', 'remaining', 'some', 'our', 'your', 'of', 'for', 'from', 'and', 'with', 'in', 'to',
  'are', 'is', 'what', 'find', 'search', 'get', 'give', 'view', 'see', 'display', 'list', 'about', "what's", 'which', 'do', 'i', 'have', 'month', 'late', 'past', 'now', 'please', 'upcoming', 'soon', 'recent', 'a', 'an',
]);

function parseList(text: string, clock: ChatClock): ListFilter {
  const lower = text.toLowerCase();
  const filter: ListFilter = { status: ['pending'], priority: null, tags: [], words: [], due: null, completed: null, sort: '-createdAt' };
  let rest = lower;
  const tags = findTags(rest);
  filter.tags.push(...tags.tags);
  rest = cutSpans(rest, tags.spans);
  const about = /\b(?:about|containing|mentioning|matching|with the words?|called|named|titled|for)\s+["']?(.+?)["']?(?=$|\s+(?:due|that|which|tagged|from|this|next|today|tomorrow)\b)/i.exec(rest);
  if (about) {
    filter.words = about[1]!.split(/\s+/).filter((w) => w && !['the', 'a', 'an'].includes(w)).slice(0, 8);
    rest = cutSpans(rest, [{ index: about.index, text: about[0] }]);
  }
  const priorities = [...rest.matchAll(/\b(high|medium|low|urgent|important|top)(?:[\s-]*priority)?\b/gi)].filter((m) => /priority/i.test(m[0]) || /^(urgent|important)$/i.test(m[1]!));
  const plainPriority = /\b(high|medium|low)[\s-]*(?:priority|prio)?\b/i.exec(rest);
  if (priorities.length > 0) filter.priority = [...new Set(priorities.map((m) => priorityWord(m[1]!)))];
  else if (plainPriority && /\bpriority\b/.test(rest)) filter.priority = [priorityWord(plainPriority[1]!)];
  // A keyword search looks through done tasks too, unless the message says otherwise.
  if (filter.words.length > 0) filter.status = ['pending', 'completed'];
  const completed = STATUS_COMPLETED.test(rest) && !/\bnot (?:done|completed|finished)\b/.test(rest);
  if (completed) filter.status = ['completed'];
  else if (STATUS_PENDING.test(rest)) filter.status = ['pending'];
  else if (/\ball\b/.test(rest) && !/\ball (?:my )?(?:open|pending)\b/.test(rest)) filter.status = ['pending', 'completed'];
  const range = RANGE_PATTERN.exec(rest);
  if (range) {
    const r = rangeOf(range[1]!, clock);
    if (r) {
      if (r.label === 'overdue') {
        filter.status = ['pending'];
        filter.due = r;
      } else if (completed && !/\bdue\b/.test(rest)) filter.completed = r;
      else filter.due = r;
      filter.sort = 'dueAt';
    }
  }
  if (!filter.due && /\b(?:due|upcoming|soon|coming up|next)\b/.test(rest) && !range) {
    filter.due = { from: clock.now, to: null, label: 'upcoming' };
    filter.sort = 'dueAt';
  }
  // "work tasks", "show home todos": a word right before tasks that names nothing else is a tag.
  const before = /([\p{L}\p{N}_-]+)\s+(?:tasks|task|todos|todo|items|stuff|things)\b/iu.exec(rest);
  if (before && !LIST_STOP.has(before[1]!.toLowerCase())) filter.tags.push(before[1]!.toLowerCase());
  filter.tags = [...new Set(filter.tags)];
  return filter;
}

/** A list request speaks of tasks, dates, statuses or priorities; "what's the weather" does not. */
const LIST_SIGNAL = /\b(?:tasks?|todos?|to-dos?|due|overdue|priority|tagged|tags?|completed|done|finished|open|pending|agenda|schedule|today|tomorrow|tonight|this week|next week|this month|upcoming|search|find|left|anything|everything)\b|#/i;

// ---------------------------------------------------------------------------------------------
// Settings

const ZONE_ALIASES: Record<string, string> = {
  utc: 'UTC', gmt: 'UTC', 'new york': 'America/New_York', nyc: 'America/New_York', 'los angeles': 'America/Los_Angeles', la: 'America/Los_Angeles',
  london: 'Europe/London', berlin: 'Europe/Berlin', paris: 'Europe/Paris', tokyo: 'Asia/Tokyo', sydney: 'Australia/Sydney', chicago: 'America/Chicago',
  india: 'Asia/Kolkata', kolkata: 'Asia/Kolkata', mumbai: 'Asia/Kolkata', karachi: 'Asia/Karachi', auckland: 'Pacific/Auckland',
  eastern: 'America/New_York', pacific: 'America/Los_Angeles', central: 'America/Chicago', mountain: 'America/Denver',
};

/** An IANA zone from what a user types: "Europe/Berlin", "europe/berlin", "New York", "America/New York". */
export function zoneFrom(text: string, zones: readonly string[] = Intl.supportedValuesOf('timeZone')): string | null {
  const wanted = text.trim().replace(/\s*time$/i, '').trim();
  const alias = ZONE_ALIASES[wanted.toLowerCase()];
  if (alias) return alias;
  const key = wanted.toLowerCase().replace(/\s+/g, '_');
  const exact = zones.find((z) => z.toLowerCase() === key) ?? (key === 'utc' ? 'UTC' : undefined);
  if (exact) return exact;
  const byCity = zones.filter((z) => z.toLowerCase().endsWith(`/${key}`));
  return byCity.length === 1 ? byCity[0]! : null;
}

function clockTime(text: string): string | null {
  const m = /^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$/i.exec(text.trim());
  const named = { noon: '12:00', midnight: '00:00' }[text.trim().toLowerCase()];
  if (named) return named;
  if (!m) return null;
  let hour = Number(m[1]);
  const minute = Number(m[2] ?? 0);
  const half = m[3]?.toLowerCase();
  if (half === 'pm' && hour < 12) hour += 12;
  if (half === 'am' && hour === 12) hour = 0;
  if (hour > 23 || minute > 59) return null;
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// The table

type Row = { name: string; pattern: RegExp; build: (m: RegExpExecArray, text: string, clock: ChatClock) => ChatIntent };

const TARGET = String.raw`(.+?)`;

const ROWS: Row[] = [
  { name: 'help', pattern: /^(?:help|\?|what can you do|what can i (?:say|do)|how does this work|commands|examples)$/i, build: () => ({ intent: 'help' }) },
  {
    name: 'quiet hours off',
    pattern: /\b(?:turn off|disable|remove|clear|stop|no(?: more)?|cancel)\s+(?:my\s+|the\s+)?quiet hours\b|\bquiet hours\s+off\b/i,
    build: () => ({ intent: 'settings', quietHours: null }),
  },
  {
    name: 'quiet hours',
    pattern: /\bquiet hours?\b.*?(?:from|between|:)?\s*(\d{1,2}(?::\d{2})?\s*(?:am|pm)?|noon|midnight)\s*(?:to|until|till|and|-)\s*(\d{1,2}(?::\d{2})?\s*(?:am|pm)?|noon|midnight)$/i,
    build: (m) => {
      const start = clockTime(m[1]!);
      const end = clockTime(m[2]!);
      if (!start || !end || start === end) return { intent: 'unknown', hint: 'Quiet hours need a start and an end, e.g. "quiet hours from 10pm to 7am".' };
      return { intent: 'settings', quietHours: { start, end } };
    },
  },
  {
    name: 'time zone',
    pattern: /^(?:(?:please\s+)?(?:set|change|update|switch)\s+)?(?:my\s+)?time\s*zone\s*(?:to|is|=|:)?\s*(.+)$|^i(?:'m| am) (?:now )?in (?:the )?(.+?)(?: time ?zone)?$/i,
    build: (m) => {
      const zone = zoneFrom(m[1] ?? m[2]!);
      return zone ? { intent: 'settings', timeZone: zone } : { intent: 'unknown', hint: `I don't know the time zone "${(m[1] ?? m[2]!).trim()}". Use an IANA name such as Europe/Berlin or America/New_York.` };
    },
  },
  {
    name: 'tag add',
    pattern: new RegExp(String.raw`^(?:add|put|attach)\s+(?:the\s+|a\s+)?tags?\s+(.+?)\s+(?:to|on)\s+${TARGET}$|^tag\s+${TARGET}\s+(?:with|as)\s+(.+)$`, 'i'),
    build: (m) => (m[1] !== undefined ? { intent: 'tags', target: cleanTarget(m[2]!), add: splitTags(m[1]), remove: [] } : { intent: 'tags', target: cleanTarget(m[3]!), add: splitTags(m[4]!), remove: [] }),
  },
  {
    name: 'tag remove',
    pattern: new RegExp(String.raw`^(?:remove|delete|drop|take off)\s+(?:the\s+)?(?:tags?\s+)?(.+?)\s*(?:\s+tags?)?\s+from\s+${TARGET}$|^untag\s+${TARGET}\s+(?:from\s+)?(.+)$`, 'i'),
    build: (m) => (m[1] !== undefined ? { intent: 'tags', target: cleanTarget(m[2]!), add: [], remove: splitTags(m[1].replace(/\s+tags?$/i, '')) } : { intent: 'tags', target: cleanTarget(m[3]!), add: [], remove: splitTags(m[4]!) }),
  },
  {
    name: 'priority',
    pattern: new RegExp(
      String.raw`^(?:change|set|update|make|raise|lower|bump)\s+(?:the\s+)?(?:priority|prio)\s+(?:of|for|on)\s+${TARGET}\s+(?:to|as)\s+(high|medium|low|normal|urgent|top)(?:\s+priority)?$|^(?:make|mark|set|flag)\s+${TARGET}\s+(?:as\s+|to\s+)?(high|medium|low|normal|urgent|top|important)(?:[\s-]*priority)?$`,
      'i',
    ),
    build: (m) => ({ intent: 'priority', target: cleanTarget(m[1] ?? m[3]!), priority: priorityWord(m[2] ?? m[4]!) }),
  },
  {
    name: 'stop',
    pattern: /^(?:please\s+)?(?:stop|cancel|end|halt|discontinue|turn off|kill)\s+(?:the\s+|my\s+)?(.+)$/i,
    build: (m) => {
      const target = m[1]!;
      const series = SERIES_WORDS.test(target);
      const reminder = /\breminders?\b/i.test(target);
      const cleaned = cleanTarget(target.replace(/\b(?:reminders?|recurrences?|series|repeating|recurring|repeats?)\b/gi, ' ').replace(SERIES_WORDS, ' '));
      return { intent: 'stop', target: cleaned, what: series ? 'recurrence' : reminder ? 'reminder' : null };
    },
  },
  { name: 'unmute', pattern: /^(?:unmute|un-mute|unsilence)\s+(.+)$/i, build: (m) => ({ intent: 'unmute', target: cleanTarget(m[1]!) }) },
  { name: 'mute', pattern: /^(?:mute|silence|snooze notifications for)\s+(.+)$/i, build: (m) => ({ intent: 'mute', target: cleanTarget(m[1]!) }) },
  {
    name: 'reopen',
    pattern: new RegExp(String.raw`^(?:reopen|re-open|uncomplete|un-complete|undo|restore)\s+(.+)$|^mark\s+${TARGET}\s+as\s+(?:not done|undone|incomplete|not complete|pending|open|todo)$`, 'i'),
    build: (m) => ({ intent: 'reopen', target: cleanTarget(m[1] ?? m[2]!) }),
  },
  {
    name: 'complete',
    pattern: new RegExp(
      String.raw`^(?:complete|finish|close|check off|tick off|cross off|done with|done:)\s+(.+)$|^mark\s+${TARGET}\s+(?:as\s+)?(?:done|complete|completed|finished)$|^i(?:'ve| have)?\s+(?:just\s+)?(?:finished|completed|done|did)\s+(.+)$|^${TARGET}\s+is\s+(?:done|finished|complete)$`,
      'i',
    ),
    build: (m) => ({ intent: 'complete', target: cleanTarget(m[1] ?? m[2] ?? m[3] ?? m[4]!) }),
  },
  { name: 'delete', pattern: /^(?:delete|remove|drop|trash|erase|get rid of|throw away)\s+(.+)$/i, build: (m) => ({ intent: 'delete', target: cleanTarget(m[1]!) }) },
  {
    name: 'reschedule',
    pattern: /^(?:move|reschedule|postpone|push(?: back)?|shift|delay|change the (?:due )?date (?:of|for)|set the (?:due )?date (?:of|for)|change the due time (?:of|for))\s+(.+)$/i,
    build: (m, _text, clock) => {
      const rest = m[1]!;
      const when = findWhen(rest, clock);
      if (!when) return { intent: 'unknown', hint: `To when? For example: "move ${cleanTarget(rest)} to next Tuesday 3pm".` };
      const target = cleanTarget(rest.slice(0, when.index).replace(/\s+(?:to|until|till|for|on|back to|at|by)\s*$/i, ''));
      return { intent: 'reschedule', target, when };
    },
  },
  {
    name: 'remind before',
    pattern: new RegExp(String.raw`^(?:please\s+)?remind me\s+${AMOUNT}\s*${UNIT}\s+(?:before|ahead|earlier)(?:\s+(.+))?$`, 'i'),
    build: (m) => {
      const before = isoDuration(m[1]!, m[2]!);
      if (m[3] === undefined) return { intent: 'unknown', hint: `Before which task? For example: "remind me ${m[1]} ${m[2]} before the dentist appointment".` };
      const target = cleanTarget(m[3]);
      return { intent: 'remind', target, at: null, before, create: { intent: 'create', body: { title: target }, recurrenceText: null, remind: true } };
    },
  },
  {
    name: 'remind',
    pattern: /\b(?:remind|alert|notify|ping)\s+me\b/i,
    build: (m, text, clock) => {
      const rest = `${text.slice(0, m.index)} ${text.slice(m.index + m[0].length)}`.replace(/\s*,\s*(?=\s|$)/g, ' ');
      const about = /^\s*(?:about|of|regarding)\b/i.test(text.slice(m.index + m[0].length)) && !findRecurrence(rest);
      const parsed = parseTaskText(rest, clock, true);
      if (parsed.intent !== 'create') return parsed;
      if (!about) return parsed;
      const at = parsed.body.dueAt ? Date.parse(parsed.body.dueAt) : null;
      return { intent: 'remind', target: parsed.body.title, at, before: null, create: parsed };
    },
  },
  {
    name: 'list',
    pattern: /^(?:(?:please\s+)?(?:show|list|display|find|search|get|give|view|see|pull up|what|what's|whats|which|any|do i have|are there|how many|my)\b|.*\b(?:tasks|todos|to-dos)\b\s*(?:due\s+.+|for\s+.+|this\s+\w+|today|tomorrow)?$)/i,
    build: (_m, text, clock) => {
      if (!LIST_SIGNAL.test(text)) return { intent: 'unknown', hint: null };
      if (/^(?:find|search)\b/i.test(text) && !/\b(?:tasks?|todos?)\b/i.test(text.split(/\s+/).slice(1, 4).join(' '))) {
        const words = text.replace(/^(?:find|search(?: for)?)\s+/i, '').split(/\s+/).filter(Boolean).slice(0, 8).map((w) => w.toLowerCase());
        return { intent: 'list', filter: { status: ['pending', 'completed'], priority: null, tags: [], words, due: null, completed: null, sort: '-createdAt' } };
      }
      return { intent: 'list', filter: parseList(text, clock) };
    },
  },
  {
    name: 'create',
    pattern: /^(?:please\s+)?(?:add|create|make|new|schedule|set up|setup|put|save|note|log|plan|i need to|i have to|i must|don't forget to|need to|todo:?|to-do:?)\b|\b(?:add|create|schedule)\s+(?:a\s+|an\s+|the\s+|new\s+)?(?:task|todo|reminder|recurring)?/i,
    build: (_m, text, clock) => parseTaskText(text.replace(/^(?:please\s+)?(?:i need to|i have to|i must|don't forget to|need to)\s+/i, ''), clock, false),
  },
];

/** What the message asks for. The row that matched is in `row`, for tests and logs. */
export function parseChat(message: string, clock: ChatClock): ChatIntent & { row: string } {
  const text = normalizeMessage(message);
  for (const row of ROWS) {
    const m = row.pattern.exec(text);
    if (m) return { ...row.build(m, text, clock), row: row.name };
  }
  // No verb, but a recurrence phrase or a time: most likely a task ("standup every Monday 9am").
  if (findRecurrence(text)) return { ...parseTaskText(text, clock, false), row: 'create (recurrence)' };
  return { intent: 'unknown', hint: null, row: 'none' };
}
