// The bridge process: `node --import tsx bridge/main.ts`. Environment: see config.ts (BRIDGE_PORT,
// KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX, JWT_*). SIGTERM/SIGINT close every socket
// (clients reconnect elsewhere with their cursor) and the Kafka clients.
import pino from 'pino';
import { loadBridgeConfig } from './config.js';
import { stopOnSignals } from '../platform/shutdown.js';
import { startBridge } from './server.js';

let config;
try {
  config = loadBridgeConfig();
} catch (err) {
  process.stderr.write(`${String(err instanceof Error ? err.message : err)}\n`);
  process.exit(2);
}
const logger = pino({ level: config.logLevel, base: { service: 'bridge' }, timestamp: pino.stdTimeFunctions.isoTime });

try {
  const bridge = await startBridge(config, { logger, processMetrics: true });
  stopOnSignals({ logger, stop: () => bridge.stop() });
} catch (err) {
  logger.fatal({ err }, 'bridge failed to start');
  process.exit(1);
}
