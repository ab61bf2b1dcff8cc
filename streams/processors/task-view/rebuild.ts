// Rebuilds the tasks view from the log: `make views-rebuild`
// (npx tsx streams/processors/task-view/rebuild.ts).
//
//   1. Reads task-events from its first offset to the end offsets captured at the start
//      (read_committed, a consumer assigned every partition, no group), decoding each record as
//      the processor does; records the processor dead-letters are skipped here too.
//   2. Folds them with the processor's own fold (fold.ts), positions included, so each rebuilt
//      document is the one the processor would have written, storage fields and all.
//   3. Writes them into a fresh collection `<name>_rebuild_<timestamp>` (bulk inserts), then
//      creates its indexes.
//   4. Swaps it in: the views_meta pointer now names it, with the previous live collection and
//      the offsets read up to. A running task-view processor notices within a second, copies
//      over what it wrote to the old collection since those offsets, and carries on in the new
//      one (view-store.ts); readers resolve the pointer the same way.
//   5. Drops the generation before the previous one; the previous one stays for that hand-over
//      (and for a manual rollback: point views_meta back at it).
//
// Env: MONGO_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX, TASKS_COLLECTION.
import { pathToFileURL } from 'node:url';
import { MongoClient, type Db } from 'mongodb';
import pino, { type Logger } from 'pino';
import { taskEventFromWire } from '../../../domain/events.js';
import type { TaskEvent as WireTaskEvent } from '../../../contracts/avro/generated/avro-types.js';
import { contractFor, defaultTopicPrefix } from '../../../contracts/avro/catalog.js';
import { EventSerde } from '../../../contracts/avro/serde.js';
import { isRetriable } from '../../runtime/index.js';
import { foldEvent, type Position, type StoredTask } from './fold.js';
import { readWholeTopic } from './log-reader.js';
import { readPointer, VIEWS_META, type TaskDocument, type ViewPointer } from '../../../views/task-view.js';
import { ensureTaskCollection, toDocument } from './view-store.js';

export interface RebuildOptions {
  db: Db;
  /** The view's logical name (TASKS_COLLECTION). */
  name?: string;
  brokers?: string[];
  schemaRegistryUrl?: string;
  topicPrefix?: string;
  serde?: EventSerde;
  now?: () => number;
  logger?: Logger;
}

export interface RebuildResult {
  collection: string;
  previous: string;
  dropped: string | null;
  events: number;
  skipped: number;
  tasks: number;
  upTo: Position[];
  ms: number;
}

const INSERT_CHUNK = 1_000;

export async function rebuildTaskViews(options: RebuildOptions): Promise<RebuildResult> {
  const started = performance.now();
  const { db, name = 'tasks', now = Date.now, logger = pino({ level: 'silent' }) } = options;
  const topicPrefix = options.topicPrefix ?? defaultTopicPrefix();
  const brokers = options.brokers ?? (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
  const serde =
    options.serde ?? EventSerde.forUrl(options.schemaRegistryUrl ?? process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7', { topicPrefix });
  await serde.init(['task-events']);
  const topic = contractFor('task-events', topicPrefix).topic;
  const target = `${name}_rebuild_${now()}`;

  const tasks = new Map<string, StoredTask>();
  let events = 0;
  let skipped = 0;
  const { ends } = await readWholeTopic(topic, { brokers, clientId: `${target}-reader` }, async (records) => {
    for (const record of records) {
      // What the processor dead-letters (undecodable bytes, a payload that is not its type) never
      // reached the view; a registry that does not answer is a real failure.
      let wire: WireTaskEvent;
      try {
        wire = await serde.decode<WireTaskEvent>('task-events', record.value ?? Buffer.alloc(0));
      } catch (err) {
        if (isRetriable(err)) throw err;
        skipped++;
        continue;
      }
      let event;
      try {
        event = taskEventFromWire(wire);
      } catch {
        skipped++;
        continue;
      }
      const at = { partition: record.partition, offset: record.offset };
      const result = foldEvent(tasks.get(event.taskId) ?? null, event, at);
      if (result.next) tasks.set(event.taskId, result.next);
      events++;
    }
  });
  logger.info({ topic, events, skipped, tasks: tasks.size }, 'folded the log');

  await db.createCollection(target);
  const docs: TaskDocument[] = [...tasks.values()].map(toDocument);
  for (let i = 0; i < docs.length; i += INSERT_CHUNK) await db.collection<TaskDocument>(target).insertMany(docs.slice(i, i + INSERT_CHUNK));
  await ensureTaskCollection(db, target);

  const before = await readPointer(db, name);
  const previous = before?.collection ?? name;
  const pointer: ViewPointer = { _id: name, collection: target, previous, rebuiltUpTo: ends, swappedAt: now() };
  await db.collection<ViewPointer>(VIEWS_META).replaceOne({ _id: name }, pointer, { upsert: true });
  logger.info({ collection: target, previous }, 'swapped the rebuilt view in');

  const stale = before?.previous && before.previous !== previous && before.previous !== target ? before.previous : null;
  if (stale) await db.collection(stale).drop().catch(() => undefined);
  return { collection: target, previous, dropped: stale, events, skipped, tasks: tasks.size, upTo: ends, ms: Math.round(performance.now() - started) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'views-rebuild' } });
  const client = await MongoClient.connect(process.env.MONGO_URL ?? 'mongodb://localhost:27017/todo', { maxPoolSize: 2 });
  try {
    const result = await rebuildTaskViews({ db: client.db(), name: process.env.TASKS_COLLECTION ?? 'tasks', logger });
    logger.info(result, 'views rebuilt');
  } catch (err) {
    logger.error({ err }, 'views rebuild failed; the live view is unchanged');
    process.exitCode = 1;
  } finally {
    await client.close();
  }
}
