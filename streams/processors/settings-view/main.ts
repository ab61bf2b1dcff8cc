// The settings-view service: `npx tsx streams/processors/settings-view/main.ts`.
//   MONGO_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX   where
//   PROCESSOR_NAME   consumer group (default settings-view; the runtime puts TOPIC_PREFIX in front)
//   METRICS_PORT     GET /metrics (default 9465; task-view has 9464)
// SIGTERM/SIGINT stop it gracefully.
import { MongoClient } from 'mongodb';
import { mongoClientOptions } from '../../../platform/mongo-options.js';
import pino from 'pino';
import { runProcessor } from '../../runtime/index.js';
import { settingsViewProcessor, type SettingsDocument } from './processor.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'settings-view' } });
const mongo = await new MongoClient(process.env.MONGO_URL ?? 'mongodb://localhost:27017/todo', mongoClientOptions(4)).connect();
const processor = settingsViewProcessor({
  collection: mongo.db().collection<SettingsDocument>('settings'),
  name: process.env.PROCESSOR_NAME ?? 'settings-view',
});
const app = await runProcessor(processor, { logger, metricsPort: Number(process.env.METRICS_PORT ?? 9465) });
logger.info({ metricsPort: app.metricsPort }, 'settings-view running');
app.once('stopped', () => void mongo.close());
