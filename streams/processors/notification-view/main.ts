// The notification-view service: `node --import tsx streams/processors/notification-view/main.ts`.
//   MONGO_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX, STREAMS_INSTANCE_ID   as for every processor
//   METRICS_PORT   GET /metrics (default 9469)
import { MongoClient } from 'mongodb';
import { mongoClientOptions } from '../../../platform/mongo-options.js';
import pino from 'pino';
import { runProcessor } from '../../runtime/index.js';
import { ensureNotificationIndexes, notificationViewProcessor, type NotificationDocument } from './processor.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'notification-view' } });
const mongo = await new MongoClient(process.env.MONGO_URL ?? 'mongodb://localhost:27017/todo', mongoClientOptions(4)).connect();
const collection = mongo.db().collection<NotificationDocument>('notifications');
await ensureNotificationIndexes(collection);
const app = await runProcessor(notificationViewProcessor({ collection }), { logger, metricsPort: Number(process.env.METRICS_PORT ?? 9469) });
logger.info({ metricsPort: app.metricsPort }, 'notification-view running');
app.once('stopped', () => void mongo.close());
