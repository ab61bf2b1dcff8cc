// The gateway's write path against the ceiling it runs under, in ONE run on this machine
// (`make bench-gateway`, i.e. `npx tsx bench/gateway.bench.ts [seconds=10]`):
//
//   bare Koa        a Koa app that parses the same JSON body and answers 201: the framework's
//                   requests/s, the denominator of the ratio (target: gateway >= 40% of it).
//                   Measured in 3 rounds, each right before a gateway respond-async round, and
//                   the ratio is the median of the paired rounds: on a shared machine both move.
//   raw producer    the gateway's own producer settings (idempotent, acks=all), one message per
//                   send() with many in flight (what concurrent requests do), events of the same
//                   encoded size; and the same in batches of 100, the client's ceiling
//   gateway RYW     POST /v1/tasks waiting for the task-view processor (its own process) to
//                   apply the event; at full speed, then p99 at a fixed 500 writes/s (issue 4:
//                   p99 < 50 ms). Runs first, so the processor starts on an empty log.
//   gateway async   POST /v1/tasks with Prefer: respond-async: auth, validation, Avro, produce,
//                   202 after the broker's ack; at full speed, then p99 at a fixed 1,000 writes/s
//                   (target p99 < 25 ms). The processor is stopped by then.
//
// Every row also gives the CPU time this process spent per request (process.cpuUsage: every
// thread, librdkafka's included; the task-view processor runs in its own process, not counted),
// which moves far less with the machine's load than requests/s: the paired ratio of bare Koa's
// CPU per request to the gateway's says what the gateway would reach if CPU were the only limit.
//
// Load comes from autocannon in a child process. The gateway logs at `warn` (no access log
// line per request). Everything runs under its own topic prefix and database, dropped after.
//
// PROFILE_DIR=<dir>: the first full-speed run of each gateway phase (read-your-writes, with the
// task-view processor running; respond-async) is CPU-profiled through
// node:inspector into <dir>/<phase>.cpuprofile; `bench/cpu-profile-top.ts` prints its top
// self-time table. The profiler costs a few percent of the throughput, so the figures of a
// profiled run are not the ones to compare.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { MongoClient } from 'mongodb';
import { taskEventToWire } from '../domain/events.js';
import { createTask } from '../domain/task-commands.js';
import { contractFor } from '../contracts/avro/catalog.js';
import { EventSerde } from '../contracts/avro/serde.js';
import { signDevToken } from '../gateway/auth.js';
import { loadConfig } from '../gateway/config.js';
import { createLogger } from '../platform/logger.js';
import { kafkaProducerFactory } from '../gateway/publisher.js';
import { startGateway } from '../gateway/server.js';
import { mongoUrlFor, registerPrefix } from '../test/support/harness.js';
import { stackEnv, uniqueName } from '../test/support/stack-env.js';
import type { LoadJob, LoadResult } from './gateway-load.worker.js';
import type { TaskViewJob } from './task-view.worker.js';

const seconds = Number(process.argv[2] ?? 10);
const ROUNDS = 3;
const say = (line: string) => process.stdout.write(`${line}\n`);
const BODY = JSON.stringify({ title: 'Benchmark task', description: 'a task of ordinary size', priority: 'high', tags: ['bench', 'load'], dueAt: '2026-06-01T09:00:00Z' });

const profileDir = process.env.PROFILE_DIR;
/** Runs `work` under the V8 CPU profiler when PROFILE_DIR is set, saving `<name>.cpuprofile`. */
async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!profileDir) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

/** A load run's result, and the CPU this process (every thread, librdkafka's included) spent per request. */
type Measured = LoadResult & { cpuUsPerRequest: number };

async function load(job: LoadJob): Promise<Measured> {
  const worker = fork(join(import.meta.dirname, 'gateway-load.worker.ts'), [], { execArgv: ['--import', 'tsx'] });
  const cpu = process.cpuUsage();
  worker.send(job);
  const [result] = (await once(worker, 'message')) as [LoadResult];
  const used = process.cpuUsage(cpu);
  return { ...result, cpuUsPerRequest: Math.round((used.user + used.system) / Math.max(1, result.total)) };
}

async function bareKoa(): Promise<{ url: string; close: () => void }> {
  const app = new Koa();
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: 64 * 1024 }));
  app.use((ctx) => {
    ctx.status = 201;
    ctx.body = { id: randomUUID(), received: Object.keys(ctx.request.body as object).length };
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/** Messages/s of the gateway's producer settings, for events of the gateway's encoded size, and the CPU per message (µs). */
async function rawProducer(topic: string, value: Buffer, count: number, batch: number, window: number): Promise<[number, number]> {
  const producer = kafkaProducerFactory(stackEnv.kafkaBrokers, 10_000)();
  await producer.connect();
  const cpu = process.cpuUsage();
  const start = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const n = Math.min(batch, count - next);
      next += n;
      await producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ key: `bench-user-${i % 20}`, value, headers: {} })) });
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  const rate = (count / (performance.now() - start)) * 1000;
  const used = process.cpuUsage(cpu);
  await producer.disconnect();
  return [Math.round(rate), Math.round((used.user + used.system) / count)];
}

const prefix = `${uniqueName('bench-gw')}.`;
const database = uniqueName('bench_gw').replace(/[^A-Za-z0-9_]/g, '_');
const mongo = await MongoClient.connect(mongoUrlFor(database));
const admin = new KafkaJS.Kafka({ kafkaJS: { brokers: stackEnv.kafkaBrokers, logLevel: KafkaJS.logLevel.NOTHING } }).admin();
await admin.connect();
const rows: [string, string, string][] = [];
const load1 = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const loadAtStart = load1();
let rywP99: number | undefined;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const lat = (r: Measured) => `p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.cpuUsPerRequest} µs CPU/req${r.non2xx + r.errors ? `, ${r.non2xx} non-2xx, ${r.errors} errors` : ''}`;

try {
  say(`registering schemas under ${prefix} ...`);
  await registerPrefix(prefix);
  const config = loadConfig({
    ...process.env,
    KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl,
    MONGO_URL: mongoUrlFor(database),
    TOPIC_PREFIX: prefix,
    GATEWAY_PORT: '0',
    GATEWAY_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => signDevToken(`bench-user-${i}`, config.jwt.secret)));

  // 1. The bare framework: measured again beside each gateway round below, since on a shared
  //    machine the throughput of either moves with whatever else runs.
  const bare = await bareKoa();
  const bareRuns: Measured[] = [];
  const bareRound = async () => {
    bareRuns.push(await load({ url: bare.url, method: 'POST', body: BODY, connections: 50, durationSec: seconds }));
  };

  // 2. The producer alone, with events of the gateway's size.
  const serde = EventSerde.forUrl(stackEnv.schemaRegistryUrl, { topicPrefix: prefix });
  await serde.init(['task-events']);
  const sample = createTask({ userId: 'bench-user-0', correlationId: randomUUID(), now: Date.now(), newId: randomUUID }, randomUUID(), {
    title: 'Benchmark task',
    description: 'a task of ordinary size',
    priority: 'high',
    tags: ['bench', 'load'],
    dueAt: Date.UTC(2026, 5, 1, 9),
    timeZone: null,
    recurrence: null,
    reminders: [],
    muted: false,
  }, { source: 'api' });
  const value = serde.encode('task-events', taskEventToWire(sample));
  // Its own topic (task-events' partitions and configs), so the view processor below starts on
  // an empty task-events.
  const rawTopic = `${prefix}raw-producer`;
  const events = contractFor('task-events', prefix);
  await admin.createTopics({
    topics: [{ topic: rawTopic, numPartitions: events.partitions, replicationFactor: 1, configEntries: Object.entries(events.config).map(([name, v]) => ({ name, value: v })) }],
  });
  const [single, singleCpu] = await rawProducer(rawTopic, value, 30_000, 1, 1000);
  const [batched, batchedCpu] = await rawProducer(rawTopic, value, 100_000, 100, 8);
  rows.push([`raw producer, 1 msg/send, 1000 in flight (${value.length} B)`, `${fmt(single)} msg/s`, `${singleCpu} µs CPU/msg`]);
  rows.push([`raw producer, 100 msgs/send (${value.length} B)`, `${fmt(batched)} msg/s`, `${batchedCpu} µs CPU/msg`]);

  // 3. The gateway with the task-view processor: each write answers once the view applied it.
  const gateway = await startGateway(config, { logger: createLogger('warn') });
  const writes = `${gateway.url}/v1/tasks`;
  const async = { prefer: 'respond-async' };
  try {
    // Its own process, as deployed (streams/processors/task-view/main.ts), with its concurrency.
    const processor = fork(join(import.meta.dirname, 'task-view.worker.ts'), [], { execArgv: ['--import', 'tsx'] });
    const assigned = once(processor, 'message');
    processor.send({ topicPrefix: prefix, mongoUrl: mongoUrlFor(database), concurrency: Number(process.env.STREAMS_CONCURRENCY ?? 3) } satisfies TaskViewJob);
    await Promise.race([assigned, once(processor, 'exit').then(() => Promise.reject(new Error('the task-view worker exited before it was assigned partitions')))]);
    try {
      await load({ url: writes, method: 'POST', body: BODY, tokens, connections: 10, durationSec: 2 }); // warm-up
      // How many answers were the materialized task (201) and how many timed out into a 202.
      const outcomes = async () => {
        const values = (await gateway.metrics.readYourWrites.get()).values;
        const count = (result: string) => values.find((v) => v.labels.result === result)?.value ?? 0;
        return { applied: count('applied'), timeout: count('timeout') };
      };
      const split = (a: { applied: number; timeout: number }, b: { applied: number; timeout: number }) =>
        `; ${fmt(b.applied - a.applied)} answered 201, ${fmt(b.timeout - a.timeout)} timed out into 202`;
      let before = await outcomes();
      const rywRun = await profiled('gateway-ryw', () => load({ url: writes, method: 'POST', body: BODY, tokens, connections: 50, durationSec: seconds }));
      let after = await outcomes();
      rows.push(['gateway POST /v1/tasks, read-your-writes, full speed', `${fmt(rywRun.rps)} req/s`, lat(rywRun) + split(before, after)]);
      before = after;
      const rywFixed = await load({ url: writes, method: 'POST', body: BODY, tokens, connections: 50, durationSec: seconds, overallRate: 500 });
      after = await outcomes();
      rows.push(['gateway POST /v1/tasks, read-your-writes, fixed 500/s', `${fmt(rywFixed.rps)} req/s`, lat(rywFixed) + split(before, after)]);
      rywP99 = rywFixed.p99;
    } finally {
      const stopped = once(processor, 'message');
      processor.send('stop');
      await stopped;
    }

    // 4. The gateway answering 202 after the broker's ack (the processor is stopped), in rounds
    //    alternating with the bare endpoint; the ratio is the median of the rounds' ratios.
    await load({ url: writes, method: 'POST', body: BODY, tokens, headers: async, connections: 10, durationSec: 2 }); // warm-up
    const asyncRuns: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await bareRound();
      const run = () => load({ url: writes, method: 'POST', body: BODY, tokens, headers: async, connections: 50, durationSec: seconds });
      asyncRuns.push(await (round === 0 ? profiled('gateway-async', run) : run()));
    }
    bare.close();
    const ratios = asyncRuns.map((r, i) => r.rps / bareRuns[i]!.rps).sort((a, b) => a - b);
    const ratio = ratios[Math.floor(ratios.length / 2)]!;
    const median = (runs: Measured[]) => [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;
    const bareRun = median(bareRuns);
    const asyncRun = median(asyncRuns);
    const perRound = (runs: Measured[]) => runs.map((r) => fmt(r.rps)).join(' / ');
    rows.unshift(['bare Koa POST (JSON body → 201), median round', `${fmt(bareRun.rps)} req/s`, `${lat(bareRun)}; rounds ${perRound(bareRuns)}`]);
    rows.splice(3, 0, ['gateway POST /v1/tasks, respond-async, median round', `${fmt(asyncRun.rps)} req/s`, `${lat(asyncRun)}; rounds ${perRound(asyncRuns)}`]);
    const fixed = await load({ url: writes, method: 'POST', body: BODY, tokens, headers: async, connections: 50, durationSec: seconds, overallRate: 1000 });
    rows.splice(4, 0, ['gateway POST /v1/tasks, respond-async, fixed 1,000/s', `${fmt(fixed.rps)} req/s`, lat(fixed)]);

    say('');
    say(`gateway write path, ${seconds} s per run, ${new Date().toISOString()}, load average ${loadAtStart} at the start, ${load1()} at the end`);
    const width = Math.max(...rows.map((r) => r[0].length));
    for (const [what, rate, latency] of rows) say(`  ${what.padEnd(width)}  ${rate.padStart(14)}  ${latency}`);
    say('');
    say(`  gateway (respond-async) / bare Koa = ${(ratio * 100).toFixed(1)}%, median of ${ROUNDS} paired rounds (${ratios.map((r) => `${(r * 100).toFixed(0)}%`).join(', ')})   (target >= 40%)`);
    // CPU per request moves far less with the machine's load than requests/s do: the ratio of
    // the two costs is what the gateway would reach of bare Koa if CPU were all that limited it.
    const cpuRatios = asyncRuns.map((r, i) => bareRuns[i]!.cpuUsPerRequest / r.cpuUsPerRequest).sort((a, b) => a - b);
    say(`  bare Koa CPU/req / gateway (respond-async) CPU/req = ${(cpuRatios[1]! * 100).toFixed(1)}%, median of ${ROUNDS} rounds (${cpuRatios.map((r) => `${(r * 100).toFixed(0)}%`).join(', ')})`);
    say(`  p99 at 1,000 writes/s (respond-async) = ${fixed.p99} ms   (target < 25 ms)`);
    say(`  p99 at 500 writes/s (read-your-writes) = ${rywP99 ?? '-'} ms   (target < 100 ms)`);
  } finally {
    await gateway.stop();
  }
} finally {
  await mongo.db().dropDatabase().catch(() => undefined);
  await mongo.close();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix) || t.startsWith(`dlq.${prefix}`));
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}
