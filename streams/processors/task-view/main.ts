// The task-view service: `npx tsx streams/processors/task-view/main.ts`.
//
//   MONGO_URL          the database (default mongodb://localhost:27017/todo)
//   TASKS_COLLECTION   the view's logical collection name (default tasks); see view-store.ts
//   KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX, STREAMS_INSTANCE_ID   as for every processor
//   PROCESSOR_NAME     consumer group and changelog prefix (default task-view; the runtime puts TOPIC_PREFIX in front)
//   STREAMS_CONCURRENCY  partitions processed at once (default 3 here, 1 for other processors)
//   METRICS_PORT       GET /metrics (default 9464; 0 = any free port)
//   LOG_LEVEL          pino level (default info)
//
// SIGTERM/SIGINT stop it gracefully (the batch in flight commits or is abandoned uncommitted).
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { Registry } from 'prom-client';
import { runProcessor } from '../../runtime/index.js';
import { taskViewProcessor } from './processor.js';
import { MongoTaskViewStore } from './view-store.js';
import { mongoClientOptions } from '../../../platform/mongo-options.js';

const env = process.env;
const logger = pino({ level: env.LOG_LEVEL ?? 'info', base: { service: 'task-view' } });
const collection = env.TASKS_COLLECTION ?? 'tasks';

// Few connections: FerretDB's backend pool is shared by every client (platform/mongo-options.ts,
// MAX_UPDATES_PER_COMMAND). A database wait that does not end fails as a transient error, and
// the runtime retries the batch instead of waiting forever behind it (the runtime's batch
// watchdog only reports such a wait, it cannot cut it short).
const mongo = await new MongoClient(env.MONGO_URL ?? 'mongodb://localhost:27017/todo', mongoClientOptions(4)).connect();
const store = new MongoTaskViewStore(mongo.db(), {
  name: collection,
  onSwitch: (from, to, copied) => logger.info({ from, to, copied }, 'switched to the rebuilt view collection'),
});
await store.init();

const registry = new Registry();
const processor = taskViewProcessor({
  store,
  name: env.PROCESSOR_NAME ?? 'task-view',
  registry,
  close: () => mongo.close(),
});
const app = await runProcessor(processor, {
  logger,
  registry,
  // Partitions folded at once: their database round trips overlap. 3 halved the p99 of
  // read-your-writes at 500 writes/s against 1 (bench-gateway); each command stays within
  // MAX_UPDATES_PER_COMMAND, so FerretDB's backend pool is not exhausted.
  partitionsConsumedConcurrently: Number(env.STREAMS_CONCURRENCY ?? 3),
  metricsPort: Number(env.METRICS_PORT ?? 9464),
});
logger.info({ collection, metricsPort: app.metricsPort }, 'task-view running');
