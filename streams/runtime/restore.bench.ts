// How fast a state store comes back: writes N entries to a changelog partition in committed
// transactions, then times ChangelogRestorer reading them into a MemoryStore.
//   npx tsx streams/runtime/restore.bench.ts [entries=100000] [valueBytes=120]
import { KafkaJS } from '@confluentinc/kafka-javascript';
import pino from 'pino';
import { ChangelogRestorer } from './changelog.js';
import { MemoryStore } from './state-store.js';

const entries = Number(process.argv[2] ?? 100_000);
const valueBytes = Number(process.argv[3] ?? 120);
const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const topic = `bench-restore-${Date.now().toString(36)}-changelog`;
const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers, logLevel: KafkaJS.logLevel.ERROR } });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });

const producer = kafka.producer({ kafkaJS: { transactionalId: `${topic}-tx`, idempotent: true, maxInFlightRequests: 1 }, 'linger.ms': 20 });
await producer.connect();
const value = (i: number) => JSON.stringify({ taskId: `task-${i}`, dueAt: 1_800_000_000_000 + i, pad: 'x'.repeat(Math.max(0, valueBytes - 60)) });
let t = performance.now();
for (let start = 0; start < entries; start += 10_000) {
  const tx = await producer.transaction();
  const messages = [];
  for (let i = start; i < Math.min(entries, start + 10_000); i++) messages.push({ key: `timer-${String(i).padStart(8, '0')}`, value: value(i), partition: 0 });
  await tx.send({ topic, messages });
  await tx.commit();
}
await producer.disconnect();
const writeMs = performance.now() - t;

const restorer = new ChangelogRestorer(brokers, `${topic}-restore`, admin, pino({ level: 'silent' }));
await restorer.connect();
const store = new MemoryStore<unknown>();
t = performance.now();
const { records } = await restorer.restore([{ topic, partition: 0, store }]);
const ms = performance.now() - t;
t = performance.now();
const firstKeys = [...store.range('timer-00000000', 'timer-00000009')].length;
const sortMs = performance.now() - t;
console.log(
  JSON.stringify({
    entries,
    valueBytes,
    writeMs: Math.round(writeMs),
    restoredRecords: records,
    storeSize: store.size,
    restoreMs: Math.round(ms),
    recordsPerSecond: Math.round(records / (ms / 1000)),
    firstRangeScanMs: Math.round(sortMs),
    firstKeys,
    heapMB: Math.round(process.memoryUsage().heapUsed / 1e6),
  }),
);
await restorer.disconnect();
await admin.deleteTopics({ topics: [topic] });
await admin.disconnect();
