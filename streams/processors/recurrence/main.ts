// The recurrence service: `node --import tsx streams/processors/recurrence/main.ts`.
//
//   KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX, STREAMS_INSTANCE_ID   as for every processor
//   RECURRENCE_TICK_MS   how often armed on_schedule occurrences are looked for (default 1000)
//   METRICS_PORT         GET /metrics (default 9467; 0 = any free port)
//   LOG_LEVEL            pino level (default info)
import pino from 'pino';
import { runProcessor } from '../../runtime/index.js';
import { recurrenceProcessor } from './processor.js';

const env = process.env;
const logger = pino({ level: env.LOG_LEVEL ?? 'info', base: { service: 'recurrence' } });
const tickMs = Number(env.RECURRENCE_TICK_MS ?? 1000);
if (!Number.isFinite(tickMs) || tickMs <= 0) {
  logger.fatal(`RECURRENCE_TICK_MS must be a positive number of milliseconds, got ${env.RECURRENCE_TICK_MS}`);
  process.exit(2);
}

const app = await runProcessor(recurrenceProcessor({ tickMs, logger }), { logger, metricsPort: Number(env.METRICS_PORT ?? 9467) });
logger.info({ metricsPort: app.metricsPort }, 'recurrence running');
