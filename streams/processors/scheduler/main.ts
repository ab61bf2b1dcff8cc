// The scheduler service: `node --import tsx streams/processors/scheduler/main.ts`.
//
//   KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX, STREAMS_INSTANCE_ID   as for every processor
//   REMINDER_GRACE_MS   how late a timer may fire after downtime before it is missed (default 900000)
//   SCHEDULER_TICK_MS   how often due timers are looked for (default 100)
//   STREAMS_STORE       memory (default) or disk, for every store or per store: `due=disk,tasks=disk`
//   STREAMS_STATE_DIR   where disk stores live (streams/README.md, "State stores")
//   METRICS_PORT        GET /metrics (default 9466; 0 = any free port)
//   LOG_LEVEL           pino level (default info)
import pino from 'pino';
import { Registry } from 'prom-client';
import { runProcessor } from '../../runtime/index.js';
import { schedulerProcessor } from './processor.js';

const env = process.env;
const logger = pino({ level: env.LOG_LEVEL ?? 'info', base: { service: 'scheduler' } });
const positive = (name: string, fallback: number): number => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) {
    logger.fatal(`${name} must be a positive number of milliseconds, got ${env[name]}`);
    process.exit(2);
  }
  return value;
};

const registry = new Registry();
const app = await runProcessor(
  schedulerProcessor({ graceMs: positive('REMINDER_GRACE_MS', 15 * 60_000), tickMs: positive('SCHEDULER_TICK_MS', 100), registry }),
  { logger, registry, metricsPort: Number(env.METRICS_PORT ?? 9466) },
);
logger.info({ metricsPort: app.metricsPort }, 'scheduler running');
