// Bridge fan-out (issue 5): one bridge process, a socket.io-client swarm on loopback, and task
// changes produced to task-views at a fixed rate across the swarm's users.
//   npx tsx bench/bridge.bench.ts [seconds=20] [rate=1000]
//
//   phases     100 sockets, then 10,000 sockets (one per user), each at `rate` changes/s
//   latency    event time (occurredAt, set when produced) to arrival at the client
//   baseline   a bare read_committed consumer of the same records in the bench process: what
//              Kafka delivery alone costs, beside the bridge in the same run
//   memory     the bridge process's resident set (VmRSS) at the end, and its peak (VmHWM)
// Targets: p99 < 100 ms with 100 sockets; with 10,000 sockets p99 < 250 ms and RSS < 1.5 GB.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskViewChange } from '../contracts/avro/generated/avro-types.js';
import { physical, registeredPrefix, serdeFor } from '../streams/runtime/__tests__/support.js';
import { kafka } from '../test/support/kafka.js';
import { stackEnv } from '../test/support/stack-env.js';
import { waitFor } from '../test/support/wait-for.js';

const seconds = Number(process.argv[2] ?? 20);
const rate = Number(process.argv[3] ?? 1000);
const ROOT = join(import.meta.dirname, '..');
const PORT = 18_090;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
};
const memoryOf = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
};

function change(userId: string, n: number): TaskViewChange {
  const now = Date.now();
  const id = randomUUID();
  return {
    eventId: randomUUID(),
    eventType: 'TaskUpdated',
    userId,
    taskId: id,
    occurredAt: now,
    outcome: 'applied',
    reason: null,
    message: null,
    view: {
      id,
      userId,
      status: 'pending',
      version: 2,
      createdAt: now,
      updatedAt: now,
      completedAt: null,
      seriesId: null,
      lastEventId: randomUUID(),
      fields: { title: `bench change ${n}`, description: null, priority: 'medium', tags: ['bench'], dueAt: null, timeZone: null, recurrence: null, reminders: [], muted: false },
    },
    sourcePartition: 0,
    sourceOffset: n,
  };
}

async function phase(sockets: number): Promise<Record<string, unknown>> {
  const prefix = await registeredPrefix('bench-bridge');
  const topic = physical('task-views', prefix);
  const serde = serdeFor(prefix);
  await serde.init(['task-views']);

  const bridge = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bridge/main.ts')], {
    env: { ...process.env, TOPIC_PREFIX: prefix, BRIDGE_PORT: String(PORT), LOG_LEVEL: 'warn', KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const workers: ChildProcess[] = [];
  const consumer = kafka.consumer({ kafkaJS: { groupId: `${prefix}baseline`, fromBeginning: true, autoCommit: false } });
  const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1 }, 'linger.ms': 5 });
  try {
    await waitFor(async () => (await fetch(`http://localhost:${PORT}/healthz`)).ok, { what: 'the bridge to listen' });
    const users = Array.from({ length: sockets }, (_, i) => `bench-${i}-${randomUUID().slice(0, 6)}`);
    const workerCount = sockets > 1000 ? 2 : 1;
    const connectStart = Date.now();
    const ready = users.length === 0 ? [] : Array.from({ length: workerCount }, (_, w) => {
      const share = users.filter((_, i) => i % workerCount === w);
      const worker = fork(join(import.meta.dirname, 'bridge-swarm.worker.ts'), [`http://localhost:${PORT}`, share.join(',')], { execArgv: ['--import', 'tsx'] });
      workers.push(worker);
      return new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('exit', (code) => reject(new Error(`swarm worker exited with ${code}`)));
      });
    });
    await Promise.all(ready);
    const connectMs = Date.now() - connectStart;
    const afterConnect = await memoryOf(bridge.pid!);

    const baseline: number[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = await serde.decode<TaskViewChange>('task-views', message.value!);
        baseline.push(Date.now() - value.occurredAt);
      },
    });
    await producer.connect();
    // The consumer group's first assignment: wait until a probe record is seen.
    await producer.send({ topic, messages: [{ key: users[0]!, value: serde.encode('task-views', change(users[0]!, -1)) }] });
    await waitFor(() => Promise.resolve(baseline.length > 0), { what: 'the baseline consumer to be assigned', intervalMs: 50 });
    baseline.length = 0;
    for (const worker of workers) worker.send({ type: 'reset' });

    let produced = 0;
    const started = Date.now();
    const perTick = rate / 100;
    while (Date.now() - started < seconds * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * rate) - produced;
      const messages = Array.from({ length: Math.min(due, perTick * 5) }, () => {
        const user = users[Math.floor(Math.random() * users.length)]!;
        return { key: user, value: serde.encode('task-views', change(user, produced++)) };
      });
      if (messages.length > 0) await producer.send({ topic, messages });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await waitFor(() => Promise.resolve(baseline.length >= produced), { what: 'the baseline consumer to catch up', intervalMs: 50 });
    const memory = await memoryOf(bridge.pid!);
    const reports = await Promise.all(
      workers.map(
        (worker) =>
          new Promise<number[]>((resolve) => {
            worker.on('message', (m: { type: string; latencies?: number[] }) => m.type === 'report' && resolve(m.latencies!));
            worker.send({ type: 'report' });
          }),
      ),
    );
    const received = reports.flat();
    return {
      sockets,
      rate,
      produced,
      received: received.length,
      connectSeconds: +(connectMs / 1000).toFixed(1),
      bridge: summary(received),
      baseline: summary(baseline),
      rssAfterConnectMb: afterConnect.rssMb,
      ...memory,
    };
  } finally {
    for (const worker of workers) worker.kill();
    await producer.disconnect().catch(() => undefined);
    await consumer.disconnect().catch(() => undefined);
    bridge.kill('SIGTERM');
    await new Promise((resolve) => bridge.once('exit', resolve));
  }
}

const results = [];
for (const sockets of [100, 10_000]) {
  results.push(await phase(sockets));
  console.log(JSON.stringify(results.at(-1)));
}
console.log('\nsockets  produced  received  p50/p99 bridge (ms)  p50/p99 bare consumer (ms)  RSS MB (peak)');
for (const r of results as { sockets: number; produced: number; received: number; bridge: { p50: number; p99: number }; baseline: { p50: number; p99: number }; rssMb: number; peakMb: number }[]) {
  console.log(
    `${String(r.sockets).padStart(7)}  ${String(r.produced).padStart(8)}  ${String(r.received).padStart(8)}  ${`${r.bridge.p50}/${r.bridge.p99}`.padStart(19)}  ${`${r.baseline.p50}/${r.baseline.p99}`.padStart(26)}  ${r.rssMb} (${r.peakMb})`,
  );
}
process.exit(0);
