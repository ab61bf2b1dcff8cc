// Scheduler timers (issue 6): 100,000 pending timers on one scheduler instance, lateness while
// 1,000 timers/s fall due, and the restore of its stores from their changelogs.
//   node --expose-gc --import tsx bench/scheduler.bench.ts [pending=100000] [rate=1000] [seconds=20]
//   STREAMS_STORE=disk for the stores on disk (LMDB), default memory
//
//   load       `pending - rate*seconds` reminders far in the future, then `rate*seconds` due one
//              after another at `rate`/s, all as TaskCreated events through the real runtime
//   lateness   per ReminderDue: firedAt - fireAt (the punctuation's clock), and arrival at a
//              read_committed consumer - fireAt (what a downstream reader sees, commit included)
//   restore    a fresh instance takes over: time from start to owning its partitions, and the
//              changelog records it read (tasks and due stores)
//   memory     once every due timer has fired, with the far ones still pending: RSS, its
//              anonymous part (RSS less the mapped files: the disk store's pages are those), and
//              the V8 heap after a forced GC; the same again for the restored instance
// Targets: p99 lateness < 1 s; restore of 100,000 timers < 10 s.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { reminderEventFromWire, taskEventToWire, type TaskFields } from '../domain/events.js';
import { createTask } from '../domain/task-commands.js';
import type { ReminderEvent as WireReminderEvent } from '../contracts/avro/generated/avro-types.js';
import { StreamsApp } from '../streams/runtime/index.js';
import { physical, produceRaw, registeredPrefix, serdeFor } from '../streams/runtime/__tests__/support.js';
import { schedulerProcessor } from '../streams/processors/scheduler/processor.js';
import { kafka } from '../test/support/kafka.js';
import { stackEnv } from '../test/support/stack-env.js';
import { waitFor } from '../test/support/wait-for.js';
import { taskFields } from '../domain/testing/task-fields.js';

const pending = Number(process.argv[2] ?? 100_000);
const rate = Number(process.argv[3] ?? 1000);
const seconds = Number(process.argv[4] ?? 20);
const dueSoon = rate * seconds;
const USERS = 500;

const fields = (at: number): TaskFields => taskFields({ title: 'bench', reminders: [{ at, before: null }] });
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
/** Process memory in MB, after a forced GC when node runs with --expose-gc. */
function memory() {
  (globalThis as { gc?: () => void }).gc?.();
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const { heapUsed, heapTotal, external } = process.memoryUsage();
  return { rssMb: mb(kb('VmRSS') * 1024), rssAnonMb: mb(kb('RssAnon') * 1024), rssFileMb: mb(kb('RssFile') * 1024), heapUsedMb: mb(heapUsed), heapTotalMb: mb(heapTotal), externalMb: mb(external) };
}
const stats = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? NaN };
};

const prefix = await registeredPrefix('bench-sched');
// A loaded broker may not show topics it has just created to every client yet; the runtime's
// start-up reads their metadata once.
const admin = kafka.admin();
await admin.connect();
await waitFor(() => admin.fetchTopicMetadata({ topics: [physical('task-events', prefix), physical('user-events', prefix)] }), { timeoutMs: 60_000, what: 'the bench topics' });
await admin.disconnect();
const serde = serdeFor(prefix);
await serde.init(['task-events', 'reminders']);
const logger = pino({ level: 'warn' });
const newScheduler = () =>
  new StreamsApp(schedulerProcessor({ tickMs: 100 }), {
    brokers: stackEnv.kafkaBrokers,
    schemaRegistryUrl: stackEnv.schemaRegistryUrl,
    topicPrefix: prefix,
    instanceId: 'bench',
    logger,
    maxBatchSize: 2000,
  });

async function produceReminders(ats: number[]): Promise<void> {
  const topic = physical('task-events', prefix);
  for (let i = 0; i < ats.length; i += 5000) {
    await produceRaw(
      topic,
      ats.slice(i, i + 5000).map((at, j) => {
        const userId = `user-${(i + j) % USERS}`;
        const event = createTask({ userId, correlationId: 'bench', now: Date.now(), newId: randomUUID }, randomUUID(), fields(at));
        return { key: userId, value: serde.encode('task-events', taskEventToWire(event)) };
      }),
    );
  }
}

/** Resolves once the app has committed `n` more input records. */
function processed(app: StreamsApp, n: number): Promise<number> {
  const started = Date.now();
  let seen = 0;
  return new Promise((resolve) => {
    const onCommit = (e: { kind: string; records: number }) => {
      if (e.kind !== 'batch') return;
      seen += e.records;
      if (seen >= n) {
        app.off('committed', onCommit);
        resolve(Date.now() - started);
      }
    };
    app.on('committed', onCommit);
  });
}

const first = newScheduler();
const assigned = new Promise((resolve) => first.once('assigned', resolve));
await first.start();
await assigned;

// The far-future timers: pending throughout.
const far = Date.now() + 24 * 3600_000;
const farCount = pending - dueSoon;
const ingestFar = processed(first, farCount);
await produceReminders(Array.from({ length: farCount }, (_, i) => far + i));
const farMs = await ingestFar;

// The timers that fall due at `rate`/s, starting a few seconds from now.
const windowStart = Date.now() + 8000;
const soon = Array.from({ length: dueSoon }, (_, i) => windowStart + Math.floor((i * 1000) / rate));
const ingestSoon = processed(first, dueSoon);
await produceReminders(soon);
await ingestSoon;
if (Date.now() > windowStart) console.warn('warning: ingesting the due timers overran the window start; lateness includes it');

// Lateness as a downstream read_committed reader sees it.
const arrivals: number[] = [];
const fired: number[] = [];
const consumer = kafka.consumer({ kafkaJS: { groupId: `${prefix}lateness`, fromBeginning: true, autoCommit: false } });
await consumer.connect();
await consumer.subscribe({ topics: [physical('reminders', prefix)] });
let done!: () => void;
const allFired = new Promise<void>((resolve) => (done = resolve));
await consumer.run({
  eachMessage: async ({ message }) => {
    const event = reminderEventFromWire(await serde.decode<WireReminderEvent>('reminders', message.value!));
    if (event.type !== 'ReminderDue') return;
    arrivals.push(Date.now() - event.payload.fireAt);
    fired.push(event.payload.firedAt - event.payload.fireAt);
    if (fired.length >= dueSoon) done();
  },
});
await allFired;
await consumer.disconnect();
const memoryFired = memory();
await first.stop();

// Restore: a new instance reads both stores back from their changelogs.
const second = newScheduler();
const restoreStart = Date.now();
const restored = new Promise((resolve) => second.once('assigned', resolve));
await second.start();
await restored;
const restoreMs = Date.now() - restoreStart;
const restoredRecords = (await second.metrics.restoredRecords.get()).values[0]?.value ?? NaN;
const memoryRestored = memory();
await second.stop();

const result = {
  store: process.env.STREAMS_STORE ?? 'memory',
  pendingTimers: pending,
  ingest: { farTimers: farCount, eventsPerSecond: Math.round((farCount / farMs) * 1000) },
  dueWindow: { timers: dueSoon, perSecond: rate },
  latenessFiredMs: stats(fired),
  latenessCommittedMs: stats(arrivals),
  restore: { seconds: +(restoreMs / 1000).toFixed(1), changelogRecords: restoredRecords },
  memoryAfterFiring: memoryFired,
  memoryAfterRestore: memoryRestored,
};
console.log(JSON.stringify(result, null, 2));
process.exit(0);
