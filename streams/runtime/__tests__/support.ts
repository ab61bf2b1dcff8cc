// Shared pieces of the runtime's broker-backed tests: a registered topic prefix per test, toy
// processors that emit valid TaskViewChange records, producing events, and awaiting the app's
// instrumentation events instead of sleeping.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RdKafka } from '@confluentinc/kafka-javascript';
import pino from 'pino';
import { Registry } from 'prom-client';
import { contractFor, type EventTopic } from '../../../contracts/avro/catalog.js';
import { EventSerde } from '../../../contracts/avro/serde.js';
import type { TaskEvent, TaskViewChange } from '../../../contracts/avro/generated/avro-types.js';
import { consumeUntil, kafka, type ConsumedRecord } from '../../../test/support/kafka.js';
import { stackEnv, uniqueName } from '../../../test/support/stack-env.js';
import { StreamsApp, type CommittedEvent } from '../runtime.js';
import type { StreamsOptions } from '../config.js';
import type { InputRecord, Processor } from '../types.js';
import { readGroupOffsets } from '../../../platform/committed-offsets.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** A fresh topic prefix with every schema registered and the event topics created (6 partitions). */
export async function registeredPrefix(label: string): Promise<string> {
  const prefix = `${uniqueName(label)}.`;
  await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'todo-schemas.mjs'), 'register'], {
    cwd: ROOT,
    env: { ...process.env, TOPIC_PREFIX: prefix, SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl, KAFKA_BROKERS: stackEnv.kafkaBrokers.join(',') },
  });
  return prefix;
}

export const physical = (topic: EventTopic, prefix: string): string => contractFor(topic, prefix).topic;

export function serdeFor(prefix: string): EventSerde {
  return EventSerde.forUrl(stackEnv.schemaRegistryUrl, { topicPrefix: prefix });
}

export function taskCreated(userId: string, title = 'a task'): TaskEvent {
  return {
    eventId: randomUUID(),
    type: 'TaskCreated',
    occurredAt: Date.UTC(2026, 0, 1),
    userId,
    taskId: randomUUID(),
    correlationId: randomUUID(),
    causationId: null,
    actor: `user:${userId}`,
    payload: {
      'todo.task.TaskCreated': {
        task: { title, description: null, priority: 'medium', tags: [], dueAt: null, timeZone: null, recurrence: null, reminders: [], muted: false },
        seriesId: null,
        source: null,
      },
    },
  };
}

export interface RawMessage {
  key: string;
  value: Buffer;
  partition?: number;
  headers?: Record<string, string>;
}

/** Produces raw records (idempotent, not transactional) to a physical topic. */
export async function produceRaw(topic: string, messages: RawMessage[]): Promise<void> {
  const producer = kafka.producer({ kafkaJS: { idempotent: true } });
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

export async function produceEvents(prefix: string, events: TaskEvent[], headers?: Record<string, string>): Promise<void> {
  const serde = serdeFor(prefix);
  await serde.init(['task-events']);
  await produceRaw(
    physical('task-events', prefix),
    events.map((e) => ({ key: e.userId, value: serde.encode('task-events', e), ...(headers ? { headers } : {}) })),
  );
}

/** A valid TaskViewChange describing `record`; `message` carries what the toy processor wants to say. */
export function changeFor(record: InputRecord, message: string | null = null, eventType = 'Echo'): TaskViewChange {
  const event = record.value as TaskEvent;
  return {
    eventId: event.eventId,
    eventType,
    userId: event.userId,
    taskId: event.taskId,
    occurredAt: event.occurredAt,
    outcome: 'applied',
    reason: null,
    message,
    view: null,
    sourcePartition: record.partition,
    sourceOffset: Number(record.offset),
  };
}

/** Forwards one TaskViewChange per task event; remembers what it saw. */
export function echoProcessor(name: string, hooks: { beforeForward?: (record: InputRecord) => void } = {}): Processor & { seen: InputRecord[] } {
  const seen: InputRecord[] = [];
  return {
    name,
    inputs: ['task-events'],
    outputs: ['task-views'],
    seen,
    process(record, ctx) {
      seen.push(record);
      hooks.beforeForward?.(record);
      ctx.forward({ topic: 'task-views', key: record.key, value: changeFor(record) });
    },
  };
}

/** Counts events per user in a store and forwards the running count in `message`. */
export function countingProcessor(name: string): Processor {
  return {
    name,
    inputs: ['task-events'],
    outputs: ['task-views'],
    stores: [{ name: 'counts' }],
    process(record, ctx) {
      const counts = ctx.store<number>('counts');
      const count = (counts.get(record.key) ?? 0) + 1;
      counts.put(record.key, count);
      ctx.forward({ topic: 'task-views', key: record.key, value: changeFor(record, String(count)) });
    },
  };
}

/** Records as the tests read them; test/support's ConsumedRecord carries the headers. */
export type RecordWithHeaders = ConsumedRecord;

/** Reads `topic` from the beginning (read_committed unless told) until `done` holds. */
export const readTopic = consumeUntil;

/**
 * Every record of `topic` that exists now: reads all partitions to their end (the last stable
 * offset under read_committed, the high watermark otherwise). Use it once the writers are done,
 * to count exactly, duplicates included.
 */
export async function readAll(topic: string, { readUncommitted = false, timeoutMs = 30_000 } = {}): Promise<RecordWithHeaders[]> {
  const admin = kafka.admin();
  await admin.connect();
  const [metadata] = await admin.fetchTopicMetadata({ topics: [topic] }).finally(() => admin.disconnect());
  const consumer = new RdKafka.KafkaConsumer(
    {
      'bootstrap.servers': stackEnv.kafkaBrokers.join(','),
      'group.id': uniqueName('test-read-all'),
      'enable.auto.commit': false,
      'enable.partition.eof': true,
      'isolation.level': readUncommitted ? 'read_uncommitted' : 'read_committed',
      'fetch.wait.max.ms': 10,
    },
    {},
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(new Error(err.message)) : resolve())));
  const open = new Set(metadata!.partitions.map((p) => p.partitionId));
  const records: RecordWithHeaders[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    consumer.setDefaultConsumeTimeout(50);
    consumer.on('partition.eof', ({ partition }) => open.delete(partition));
    consumer.assign([...open].map((partition) => ({ topic, partition, offset: -2 })));
    while (open.size > 0) {
      if (Date.now() > deadline) throw new Error(`timed out reading ${topic} to its end; saw ${records.length}`);
      const batch = await new Promise<RdKafka.Message[]>((resolve, reject) => consumer.consume(10_000, (err, ms) => (err ? reject(new Error(err.message)) : resolve(ms))));
      for (const m of batch) {
        const headers: Record<string, string> = {};
        for (const h of m.headers ?? []) for (const [name, value] of Object.entries(h)) headers[name] = value.toString();
        records.push({ partition: m.partition, offset: String(m.offset), key: typeof m.key === 'string' ? Buffer.from(m.key) : (m.key ?? null), value: m.value, headers });
      }
    }
    return records;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

export interface DecodedOutput {
  record: RecordWithHeaders;
  value: TaskViewChange;
}

/** Reads task-views under `prefix` (read_committed unless told) until `done` holds. */
export async function readViews(
  prefix: string,
  done: (outputs: RecordWithHeaders[]) => boolean,
  options: { readUncommitted?: boolean; timeoutMs?: number } = {},
): Promise<DecodedOutput[]> {
  return decodeViews(prefix, await readTopic(physical('task-views', prefix), done, options));
}

export async function decodeViews(prefix: string, records: RecordWithHeaders[]): Promise<DecodedOutput[]> {
  const serde = serdeFor(prefix);
  return Promise.all(records.map(async (record) => ({ record, value: await serde.decode<TaskViewChange>('task-views', record.value!) })));
}

export function newApp(processor: Processor, prefix: string, options: StreamsOptions = {}): StreamsApp {
  return new StreamsApp(processor, {
    topicPrefix: prefix,
    brokers: stackEnv.kafkaBrokers,
    schemaRegistryUrl: stackEnv.schemaRegistryUrl,
    logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
    registry: new Registry(),
    retryInitialMs: 50,
    retryMaxMs: 500,
    ...options,
  });
}

/** Starts the app and waits until it owns (and has restored) partitions. */
export async function startAndAssign(app: StreamsApp): Promise<void> {
  const assigned = once(app, 'assigned');
  await app.start();
  await assigned;
}

/** Resolves when committed batches have covered `n` input records in total. */
export function committedRecords(app: StreamsApp, n: number, timeoutMs = 30_000): Promise<CommittedEvent[]> {
  return new Promise((resolve, reject) => {
    const events: CommittedEvent[] = [];
    let total = 0;
    const timer = setTimeout(() => {
      app.off('committed', onCommit);
      reject(new Error(`timed out waiting for ${n} committed records; saw ${total}`));
    }, timeoutMs);
    const onCommit = (event: CommittedEvent) => {
      if (event.kind !== 'batch') return;
      events.push(event);
      total += event.records;
      if (total >= n) {
        clearTimeout(timer);
        app.off('committed', onCommit);
        resolve(events);
      }
    };
    app.on('committed', onCommit);
  });
}

/** The group's committed offsets summed over partitions, for the physical topic. */
export async function committedTotal(groupId: string, topic: string): Promise<number> {
  const offsets = await readGroupOffsets(kafka, groupId, [topic]);
  return [...offsets.values()].reduce((sum, offset) => sum + Math.max(0, offset), 0);
}

export const users = (n: number): string[] => Array.from({ length: n }, (_, i) => `user-${i}-${randomUUID().slice(0, 4)}`);
