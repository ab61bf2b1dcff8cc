// A bridge in the test process, on a suite's topics and database.
import pino from 'pino';
import { stackEnv } from '../../test/support/stack-env.js';
import { loadBridgeConfig } from '../config.js';
import { startBridge, type RunningBridge } from '../server.js';

export function startTestBridge({ prefix, mongoUrl, port = 0 }: { prefix: string; mongoUrl: string; port?: number }): Promise<RunningBridge> {
  return startBridge(
    loadBridgeConfig({
      ...process.env,
      KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl,
      MONGO_URL: mongoUrl,
      TOPIC_PREFIX: prefix,
      BRIDGE_PORT: String(port),
      BRIDGE_HOST: '127.0.0.1',
    }),
    { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) },
  );
}
