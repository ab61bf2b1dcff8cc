// The notifier service: `node --import tsx streams/processors/notifier/main.ts`.
//
//   KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX, STREAMS_INSTANCE_ID   as for every processor
//   METRICS_PORT   GET /metrics (default 9468; 0 = any free port)
//   LOG_LEVEL      pino level (default info); simulated email and push deliveries are logged at info
import pino from 'pino';
import { Registry } from 'prom-client';
import { runProcessor } from '../../runtime/index.js';
import { notifierProcessor } from './processor.js';

const env = process.env;
const logger = pino({ level: env.LOG_LEVEL ?? 'info', base: { service: 'notifier' } });
const registry = new Registry();
const app = await runProcessor(notifierProcessor({ logger, registry }), { logger, registry, metricsPort: Number(env.METRICS_PORT ?? 9468) });
logger.info({ metricsPort: app.metricsPort }, 'notifier running');
