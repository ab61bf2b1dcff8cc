// Bytes per entry of every state store (issue 15 item 5). No broker: each processor that keeps
// stores (scheduler, recurrence, notifier) is driven with realistic events through the
// TestDriver, then each of its stores' entries is restored, as the changelog restore does (from
// the key and value bytes of its changelog record), into a fresh store of each kind, and the
// heap it holds is measured with a forced GC before and after.
//   node --expose-gc --import tsx bench/stores.bench.ts [entities=20000] [kinds=memory,disk]
//
//   changelog B   key + value bytes of the entry's changelog record: what the data needs
//   heap B        V8 heap (plus external and array buffers) held per entry after the restore
//   file B        the disk store's LMDB file per entry (in the page cache, which the kernel may evict)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reminderEventToWire, taskEventToWire, userEventToWire, type ReminderEvent, type TaskFields } from '../domain/events.js';
import { createTask } from '../domain/task-commands.js';
import { taskFields } from '../domain/testing/task-fields.js';
import { TestDriver, type Processor } from '../streams/runtime/index.js';
import { openStateStores, type StoreKind } from '../streams/runtime/store-factory.js';
import { schedulerProcessor } from '../streams/processors/scheduler/processor.js';
import { recurrenceProcessor } from '../streams/processors/recurrence/processor.js';
import { notifierProcessor } from '../streams/processors/notifier/processor.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const entities = Number(process.argv[2] ?? 20_000);
const kinds = (process.argv[3] ?? 'memory,disk').split(',') as StoreKind[];
const USERS = Math.max(1, Math.round(entities / 20));
const T0 = Date.UTC(2026, 11, 1, 9, 0);
const DAY = 86_400_000;

const user = (i: number) => `user-${String(i % USERS).padStart(6, '0')}`;
const ctxOf = (userId: string) => ({ userId, correlationId: randomUUID(), now: T0, newId: randomUUID });
const titled = (i: number, over: Partial<TaskFields>): TaskFields =>
  taskFields({ title: `Call the dentist about appointment ${i}`, description: 'ask about the invoice too', tags: ['health', 'calls'], ...over });

function settingsEvent(userId: string) {
  return userEventToWire({
    eventId: randomUUID(),
    type: 'UserSettingsChanged',
    occurredAt: T0,
    userId,
    correlationId: randomUUID(),
    causationId: null,
    actor: `user:${userId}`,
    payload: {
      settings: { timeZone: 'Europe/Berlin', quietHours: { start: '22:00', end: '07:00' }, channels: { inApp: true, email: true, push: false } },
    },
  } as never);
}

async function drive(processor: Processor, feed: (driver: TestDriver) => Promise<void>): Promise<TestDriver> {
  const driver = new TestDriver(processor, { now: T0, validate: false });
  for (let u = 0; u < USERS; u++) await driver.pipe({ topic: 'user-events', key: user(u), value: settingsEvent(user(u)) });
  await feed(driver);
  return driver;
}

const task = (driver: TestDriver, i: number, over: Partial<TaskFields>) => {
  const userId = user(i);
  return driver.pipe({ topic: 'task-events', key: userId, value: taskEventToWire(createTask(ctxOf(userId), randomUUID(), titled(i, over))) });
};

const processors: [string, () => Promise<TestDriver>][] = [
  ['scheduler', () => drive(schedulerProcessor(), async (d) => {
    for (let i = 0; i < entities; i++) await task(d, i, { reminders: [{ at: T0 + DAY + i * 1000, before: null }] });
  })],
  ['recurrence', () => drive(recurrenceProcessor(), async (d) => {
    for (let i = 0; i < entities; i++) await task(d, i, { dueAt: T0 + DAY + i * 1000, recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO', mode: 'on_schedule', count: null, until: null } });
  })],
  ['notifier', () => drive(notifierProcessor(), async (d) => {
    for (let i = 0; i < entities; i++) {
      const userId = user(i);
      const taskId = randomUUID();
      await d.pipe({ topic: 'task-events', key: userId, value: taskEventToWire(createTask(ctxOf(userId), taskId, titled(i, {}))) });
      const fireAt = T0 + i;
      const due: ReminderEvent = {
        eventId: randomUUID(), type: 'ReminderDue', occurredAt: fireAt, userId, taskId, correlationId: randomUUID(), causationId: randomUUID(), actor: 'system:scheduler',
        payload: { reminderKey: `${taskId}:at=${fireAt}:0`, fireAt, firedAt: fireAt, taskTitle: `Call the dentist about appointment ${i}`, late: false },
      };
      await d.pipe({ topic: 'reminders', key: userId, value: reminderEventToWire(due) });
    }
  })],
];

function heldHeap(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

const stateDir = mkdtempSync(join(tmpdir(), 'bench-stores-'));
const rows: Record<string, unknown>[] = [];
for (const [name, run] of processors) {
  let driver: TestDriver | undefined = await run();
  const dumps = (driver as unknown as { processor: Processor }).processor.stores!.map(({ name: store }) => ({
    store,
    // As the changelog records come in: bytes, which the restore turns into fresh strings.
    records: [...driver!.store<unknown>(store).all()].map(([key, value]) => [Buffer.from(key), Buffer.from(JSON.stringify(value))] as const),
  }));
  driver = undefined;
  for (const { store, records } of dumps) {
    if (records.length === 0) continue;
    const changelogBytes = records.reduce((sum, [k, v]) => sum + k.length + v.length, 0) / records.length;
    const row: Record<string, unknown> = { processor: name, store, entries: records.length, changelogB: Math.round(changelogBytes) };
    for (const kind of kinds) {
      const dir = join(stateDir, `${name}-${store}-${kind}`);
      const before = heldHeap();
      const stores = openStateStores({ stateDir: dir, kindOf: () => kind });
      const target = stores.open(store, 0);
      for (const [key, value] of records) target.restoreEncoded(key.toString(), value.toString());
      void target.size; // flushes what the restore buffered
      row[`${kind}HeapB`] = Math.round((heldHeap() - before) / records.length);
      if (kind === 'disk') row.diskFileB = Math.round(statSync(join(dir, 'data.mdb')).size / records.length);
      target.close();
      await stores.close();
    }
    rows.push(row);
  }
}
rmSync(stateDir, { recursive: true, force: true });
console.table(rows);
console.log(JSON.stringify({ entities, users: USERS, rows }));
process.exit(0);
