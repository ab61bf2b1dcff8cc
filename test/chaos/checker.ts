// The chaos checker: after the run, it reads the topics (its own consumer, its own decoding) and
// the database (the driver, directly), and holds them against what the clients saw: the writes'
// answers, the sockets' pushes, the reminders they asked for. It imports nothing of the code under
// test: no fold, no view store, no domain types; only the wire formats are shared knowledge.
//
//   - every acknowledged write is in the log once and applied by the view exactly once, in the
//     user's order; an indeterminate one (the client gave up) at most once;
//   - the view store agrees with the log: each task's version is the number of its applied
//     events, its description the marker of the last one; and every change the store applied
//     was published as 'applied' on task-views (else read-your-writes and devices miss it);
//   - every event of the event topics is in the audit store (keyed by event id, so at most once);
//   - every socket received, after its first cursor, each applied change of its user once, in order;
//   - every reminder a confirmed task asked for fired once and none was missed;
//   - no dead-letter topic of the run holds a record, but the audit sink's: its dead letters are
//     re-driven (connectors/redrive), so one is a problem only while its event is not in the
//     audit store.
import { setTimeout as delay } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { LogReader, RegistryDecoder, unwrapUnion, type LogRecord } from './log-reader.js';
import type { SocketLog } from './sockets.js';
import type { WriteRecord } from './workload.js';

export interface CheckInput {
  brokers: string[];
  registryUrl: string;
  /** The database of the run's views (and of the audit collection when `audit` is set). */
  mongoUrl: string;
  topicPrefix: string;
  /** Check the audit store (Kafka Connect): off when the run has no Connect of its own. */
  audit: boolean;
  writes: WriteRecord[];
  sockets: SocketLog[];
}

export interface PhaseCounts {
  acked: number;
  indeterminate: number;
  rejected: number;
  lost: number;
  duplicated: number;
}

export interface CheckReport {
  ok: boolean;
  phases: Map<string, PhaseCounts>;
  /** One line each, with the evidence (topic, partition, offset, event ids). */
  problems: string[];
  /** True but worth knowing (log duplicates the view caught, late indeterminate writes). */
  notes: string[];
  totals: { events: number; viewChanges: number; tasks: number; auditChecked: number; sockets: number; pushes: number; reminders: number; remindersFired: number };
}

interface ChaosEvent {
  eventId: string;
  userId: string;
  taskId: string;
  marker: string | null;
  partition: number;
  offset: number;
}

const MARKER = /^chaos:([^:]+):(\d+)$/;

function markerOf(payload: unknown): string | null {
  const { branch, value } = unwrapUnion(payload);
  const fields = branch?.endsWith('TaskCreated') ? value.task : branch?.endsWith('TaskUpdated') ? value.after : undefined;
  const description = unwrapUnion((fields as Record<string, unknown> | undefined)?.description).value as unknown;
  return typeof description === 'string' && MARKER.test(description) ? description : null;
}

function enumText(value: unknown): string {
  const inner = unwrapUnion(value).value as unknown;
  return typeof inner === 'string' ? inner : JSON.stringify(inner);
}

const take = <T>(list: T[], n = 5): string => list.slice(0, n).join('; ') + (list.length > n ? `; ... (${list.length} in all)` : '');

/** How long the audit sink may take to catch up once the run is over, and to show no progress at all. */
const AUDIT_CATCH_UP_MS = 180_000;
const AUDIT_STALL_MS = 20_000;

export async function check(input: CheckInput): Promise<CheckReport> {
  const reader = new LogReader(input.brokers, new RegistryDecoder(input.registryUrl));
  const problems: string[] = [];
  const notes: string[] = [];
  const t = (name: string) => `${input.topicPrefix}${name}`;

  // --- the log -------------------------------------------------------------------------------
  const taskEvents = await reader.readAll(t('task-events'));
  const events: ChaosEvent[] = taskEvents.map((r) => ({
    eventId: String(r.value?.eventId),
    userId: String(r.value?.userId),
    taskId: String(r.value?.taskId),
    marker: markerOf(r.value?.payload),
    partition: r.partition,
    offset: r.offset,
  }));
  const eventsByMarker = new Map<string, ChaosEvent[]>();
  for (const e of events) if (e.marker) eventsByMarker.set(e.marker, [...(eventsByMarker.get(e.marker) ?? []), e]);

  const viewChanges = await reader.readAll(t('task-views'));
  const outcomes = new Map<string, LogRecord[]>();
  for (const r of viewChanges) {
    const id = String(r.value?.eventId);
    outcomes.set(id, [...(outcomes.get(id) ?? []), r]);
  }
  const appliedOf = (eventId: string) => (outcomes.get(eventId) ?? []).filter((r) => enumText(r.value?.outcome) === 'applied');
  // An event the store holds although no 'applied' outcome was ever committed for it: its only
  // outcome says 'duplicate' (a previous owner of the partition wrote the store, then lost its
  // transaction). The view has it, but nobody listening to task-views heard of it.
  const unpublishedOf = (eventId: string) => {
    const list = outcomes.get(eventId) ?? [];
    return appliedOf(eventId).length === 0 && list.some((r) => enumText(r.value?.outcome) === 'duplicate') ? list.slice(0, 1) : [];
  };
  /** The record that stands for the event's application: its applied outcome, else the above. */
  const effective = (r: LogRecord) => {
    const id = String(r.value?.eventId);
    const outcome = enumText(r.value?.outcome);
    return outcome === 'applied' || (outcome === 'duplicate' && unpublishedOf(id)[0] === r);
  };
  const unviewed = events.filter((e) => !outcomes.has(e.eventId));
  if (unviewed.length > 0) {
    problems.push(`view: ${unviewed.length} task events have no outcome on ${t('task-views')}: ${take(unviewed.map((e) => `${e.eventId} at ${t('task-events')} ${e.partition}:${e.offset}`))}`);
  }

  // --- each write against the log and the view ---------------------------------------------------
  const phases = new Map<string, PhaseCounts>();
  const counts = (phase: string) => {
    let c = phases.get(phase);
    if (!c) phases.set(phase, (c = { acked: 0, indeterminate: 0, rejected: 0, lost: 0, duplicated: 0 }));
    return c;
  };
  const lost: string[] = [];
  const duplicated: string[] = [];
  const rejected: string[] = [];
  const unpublished: string[] = [];
  for (const w of input.writes) {
    const c = counts(w.phase);
    c[w.outcome]++;
    if (w.outcome === 'rejected') rejected.push(`${w.marker} (${w.kind}, HTTP ${w.status}: ${w.error})`);
    const found = eventsByMarker.get(w.marker) ?? [];
    const ids = [...new Set(found.map((e) => e.eventId))];
    const applied = ids.flatMap(appliedOf);
    const silent = ids.flatMap(unpublishedOf);
    if (silent.length > 0) {
      unpublished.push(`${w.marker} (${w.outcome} ${w.status ?? ''} ${w.answer ?? ''}): ${silent.map((r) => `${String(r.value?.eventId)} only 'duplicate' at ${t('task-views')} ${r.partition}:${r.offset}`).join(', ')}`);
    }
    const where = found.map((e) => `${e.eventId}@${e.partition}:${e.offset}`).join(', ');
    if (ids.length > 1 || applied.length > 1) {
      c.duplicated++;
      duplicated.push(`${w.marker} (${w.outcome}, ${w.kind}): ${ids.length} event ids [${where}], applied ${applied.length}x at ${t('task-views')} ${applied.map((r) => `${r.partition}:${r.offset}`).join(', ')}`);
    } else if (found.length > 1) {
      notes.push(`${w.marker}: event ${ids[0]} is in the log ${found.length} times [${where}]; the view applied it once`);
    }
    if (w.outcome === 'acked' && applied.length === 0 && silent.length === 0) {
      c.lost++;
      lost.push(`${w.marker} (${w.kind}${w.taskId ? ` of task ${w.taskId}` : ''}, answered ${w.status} ${w.answer}${w.eventId ? ` for event ${w.eventId}` : ''}): ${found.length === 0 ? `not in ${t('task-events')}` : `in the log [${where}] but never applied (${ids.map((id) => (outcomes.get(id) ?? []).map((r) => enumText(r.value?.outcome)).join('/') || 'no outcome').join(', ')})`}`);
    }
  }
  if (lost.length) problems.push(`lost: ${lost.length} acknowledged writes: ${take(lost)}`);
  if (duplicated.length) problems.push(`duplicated: ${duplicated.length} writes: ${take(duplicated)}`);
  if (unpublished.length) {
    problems.push(`unpublished: ${unpublished.length} writes are in the view store but their change was never committed as 'applied' on ${t('task-views')} (read-your-writes and devices never hear of them): ${take(unpublished)}`);
  }
  if (rejected.length) problems.push(`rejected: ${rejected.length} writes answered 4xx: ${take(rejected)}`);

  // --- per-user order of the acknowledged writes, as the log holds them ----------------------------
  const ackedMarkers = new Set(input.writes.filter((w) => w.outcome === 'acked').map((w) => w.marker));
  const lastSeq = new Map<string, { seq: number; at: string }>();
  const seen = new Set<string>();
  const outOfOrder: string[] = [];
  for (const e of events) {
    if (!e.marker || seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    const [, user, seqText] = MARKER.exec(e.marker)!;
    const seq = Number(seqText);
    const at = `${e.partition}:${e.offset}`;
    if (!ackedMarkers.has(e.marker)) continue;
    const prev = lastSeq.get(user!);
    if (prev && prev.seq >= seq) outOfOrder.push(`${user} write ${seq} at ${at} after write ${prev.seq} at ${prev.at}`);
    lastSeq.set(user!, { seq, at });
  }
  if (outOfOrder.length) problems.push(`order: ${outOfOrder.length} acknowledged writes out of their user's order in ${t('task-events')}: ${take(outOfOrder)}`);

  // --- the view store agrees with the log -------------------------------------------------------------
  const perTask = new Map<string, { applied: number; lastMarker: string | null; user: string }>();
  const markerOfEvent = new Map(events.map((e) => [e.eventId, e.marker]));
  for (const r of viewChanges) {
    if (!effective(r)) continue;
    const taskId = String(r.value?.taskId);
    const entry = perTask.get(taskId) ?? { applied: 0, lastMarker: null, user: String(r.value?.userId) };
    entry.applied++;
    entry.lastMarker = markerOfEvent.get(String(r.value?.eventId)) ?? entry.lastMarker;
    perTask.set(taskId, entry);
  }
  const mongo = await new MongoClient(input.mongoUrl).connect();
  let auditChecked = 0;
  const auditDeadLetters = `dlq.${input.topicPrefix}audit-sink`;
  try {
    const db = mongo.db();
    const pointer = await db.collection<{ _id: string; collection?: string }>('views_meta').findOne({ _id: 'tasks' });
    const docs = await db
      .collection<{ _id: string; version: number; description: string | null }>(pointer?.collection ?? 'tasks')
      .find({}, { projection: { version: 1, description: 1 } })
      .toArray();
    const byId = new Map(docs.map((d) => [String(d._id), d]));
    const disagree: string[] = [];
    for (const [taskId, expected] of perTask) {
      const doc = byId.get(taskId);
      if (!doc) disagree.push(`${taskId} (${expected.user}): no document, ${expected.applied} applied events`);
      else if (doc.version !== expected.applied || (expected.lastMarker && doc.description !== expected.lastMarker)) {
        disagree.push(`${taskId}: version ${doc.version} / "${doc.description}", log says ${expected.applied} applied, last "${expected.lastMarker}"`);
      }
    }
    if (disagree.length) problems.push(`view store: ${disagree.length} tasks disagree with ${t('task-views')}: ${take(disagree)}`);

    // --- the audit store --------------------------------------------------------------------------------
    if (input.audit) {
      const ids = new Set(events.map((e) => e.eventId));
      for (const name of ['user-events', 'reminders', 'recurrences', 'notifications']) {
        for (const r of await reader.readAll(t(name))) ids.add(String(r.value?.eventId));
      }
      const audit = mongo.db('todo').collection<{ _id: string }>('audit');
      const present = new Set<string>();
      const lookUp = async (wanted: string[]) => {
        for (let i = 0; i < wanted.length; i += 1000) {
          for (const d of await audit.find({ _id: { $in: wanted.slice(i, i + 1000) } }, { projection: { _id: 1 } }).toArray()) present.add(String(d._id));
        }
        return wanted.filter((id) => !present.has(id));
      };
      auditChecked = ids.size;
      // The sink writes one record at a time and may still be catching up on the run's last
      // minutes: the missing ones are looked up again while their number keeps falling (bounded),
      // so what is reported is what the sink never wrote, not what it had not written yet.
      let missing = await lookUp([...ids]);
      const auditGiveUp = Date.now() + AUDIT_CATCH_UP_MS;
      for (let lastProgress = Date.now(); missing.length > 0 && Date.now() < auditGiveUp && Date.now() - lastProgress < AUDIT_STALL_MS; ) {
        await delay(2000);
        const before = missing.length;
        missing = await lookUp(missing);
        if (missing.length < before) lastProgress = Date.now();
      }
      if (missing.length) problems.push(`audit: ${missing.length} of ${ids.size} events are not in the audit store: ${take(missing)}`);

      // The audit sink's dead letters: the raw event records, read with the checker's own decoder.
      const dead = (await reader.topics()).includes(auditDeadLetters) ? await reader.readAll(auditDeadLetters) : [];
      const deadIds = [...new Set(dead.map((r) => String(r.value?.eventId)))];
      const stored = new Set<string>();
      for (let i = 0; i < deadIds.length; i += 1000) {
        for (const d of await audit.find({ _id: { $in: deadIds.slice(i, i + 1000) } }, { projection: { _id: 1 } }).toArray()) stored.add(String(d._id));
      }
      const unresolved = deadIds.filter((id) => !stored.has(id));
      if (unresolved.length) problems.push(`dlq: ${auditDeadLetters} holds ${unresolved.length} events that are not in the audit store: ${take(unresolved)}`);
      if (dead.length) notes.push(`${auditDeadLetters}: ${dead.length} dead letters of ${deadIds.length} events, ${deadIds.length - unresolved.length} of them re-driven into the audit store`);
    }
  } finally {
    await mongo.close();
  }

  // --- sockets ---------------------------------------------------------------------------------------
  let pushes = 0;
  for (const s of input.sockets) {
    pushes += s.received.length;
    if (!s.firstCursor) {
      problems.push(`socket ${s.user}: never synced`);
      continue;
    }
    if (s.resyncs.length) problems.push(`socket ${s.user}: told to resync ${s.resyncs.length}x (${s.resyncs.map((r) => r.reason).join(', ')}): its cursor was not honoured`);
    const [p, o] = s.firstCursor.split(':').map(Number) as [number, number];
    const owed = viewChanges
      .filter((r) => r.partition === p && r.offset > o && String(r.value?.userId) === s.user && effective(r))
      .map((r) => ({ eventId: String(r.value?.eventId), at: `${r.partition}:${r.offset}` }));
    const got = s.received.map((r) => r.eventId);
    const counted = new Map<string, number>();
    for (const id of got) counted.set(id, (counted.get(id) ?? 0) + 1);
    const twice = [...counted].filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`);
    const missed = owed.filter((e) => !counted.has(e.eventId)).map((e) => `${e.eventId}@${e.at}`);
    const owedIds = new Set(owed.map((e) => e.eventId));
    const extra = [...counted.keys()].filter((id) => !owedIds.has(id));
    const order = [...new Set(got)].filter((id) => owedIds.has(id));
    const expectedOrder = owed.map((e) => e.eventId).filter((id) => counted.has(id));
    const firstSwap = order.findIndex((id, i) => id !== expectedOrder[i]);
    if (twice.length) problems.push(`socket ${s.user}: ${twice.length} changes pushed more than once: ${take(twice)}`);
    if (missed.length) problems.push(`socket ${s.user}: ${missed.length} of ${owed.length} changes after cursor ${s.firstCursor} never pushed: ${take(missed)}`);
    if (extra.length) problems.push(`socket ${s.user}: ${extra.length} pushes that are no applied change of it after ${s.firstCursor}: ${take(extra)}`);
    if (firstSwap >= 0) problems.push(`socket ${s.user}: pushes out of log order from the ${firstSwap + 1}th (${order[firstSwap]} where ${expectedOrder[firstSwap]} was due)`);
  }

  // --- reminders ---------------------------------------------------------------------------------------
  const reminderRecords = await reader.readAll(t('reminders'));
  const due = new Map<string, string[]>();
  const missedReminders = new Map<string, string[]>();
  for (const r of reminderRecords) {
    const { branch } = unwrapUnion(r.value?.payload);
    const taskId = String(r.value?.taskId);
    const at = `${r.partition}:${r.offset} ${String(r.value?.eventId)}`;
    if (branch?.endsWith('ReminderDue')) due.set(taskId, [...(due.get(taskId) ?? []), at]);
    if (branch?.endsWith('ReminderMissed')) missedReminders.set(taskId, [...(missedReminders.get(taskId) ?? []), at]);
  }
  const reminderProblems: string[] = [];
  const asked = input.writes.filter((w) => w.reminderAt !== undefined);
  for (const w of asked) {
    if (!w.taskId) continue; // a create given up on before any answer: its task id is unknown
    const fired = due.get(w.taskId) ?? [];
    const missed = missedReminders.get(w.taskId) ?? [];
    if (fired.length > 1) reminderProblems.push(`${w.taskId} (${w.marker}) fired ${fired.length}x [${fired.join(', ')}]`);
    if (missed.length) reminderProblems.push(`${w.taskId} (${w.marker}) reported missed [${missed.join(', ')}]`);
    if (w.outcome === 'acked' && fired.length === 0 && missed.length === 0) reminderProblems.push(`${w.taskId} (${w.marker}, due ${new Date(w.reminderAt!).toISOString()}) never fired`);
  }
  if (reminderProblems.length) problems.push(`reminders: ${reminderProblems.length} of ${asked.length}: ${take(reminderProblems)}`);

  // --- dead letters -----------------------------------------------------------------------------------
  for (const topic of (await reader.topics()).filter((name) => name.startsWith(`dlq.${input.topicPrefix}`) && !(input.audit && name === auditDeadLetters))) {
    const n = await reader.size(topic);
    if (n > 0) problems.push(`dlq: ${topic} holds ${n} records`);
  }

  return {
    ok: problems.length === 0,
    phases,
    problems,
    notes,
    totals: {
      events: events.length,
      viewChanges: viewChanges.length,
      tasks: perTask.size,
      auditChecked,
      sockets: input.sockets.length,
      pushes,
      reminders: asked.length,
      remindersFired: [...due.values()].reduce((n, list) => n + list.length, 0),
    },
  };
}
