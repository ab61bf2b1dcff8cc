// The bridge's settings, read once from the environment and checked at start-up (a typo fails
// the boot with the variable's name). JWT settings are the gateway's: the same tokens open both.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { csv, jwtConfigOf, parseEnv, refuseDevSecretInProduction, ServiceEnv, type JwtConfig } from '../platform/env-schema.js';

const EnvSchema = ServiceEnv.extend({
  BRIDGE_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  BRIDGE_HOST: z.string().default('0.0.0.0'),
  /** Origins allowed to open sockets from a browser; '*' (the local default) allows any. */
  BRIDGE_CORS_ORIGINS: csv.default(['*']),
  /** A cursor further than this many records behind its partition's end gets resync. */
  BRIDGE_REPLAY_MAX_RECORDS: z.coerce.number().int().min(1).default(100_000),
  BRIDGE_INSTANCE_ID: z.string().min(1).default(() => randomUUID().slice(0, 8)),
}).superRefine(refuseDevSecretInProduction);

export interface BridgeConfig {
  port: number;
  host: string;
  corsOrigins: string[] | '*';
  replayMaxRecords: number;
  instanceId: string;
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  mongoUrl: string;
  topicPrefix: string;
  jwt: JwtConfig;
  logLevel: string;
}

export function loadBridgeConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const e = parseEnv(EnvSchema, env, 'bridge');
  return {
    port: e.BRIDGE_PORT,
    host: e.BRIDGE_HOST,
    corsOrigins: e.BRIDGE_CORS_ORIGINS.includes('*') ? '*' : e.BRIDGE_CORS_ORIGINS,
    replayMaxRecords: e.BRIDGE_REPLAY_MAX_RECORDS,
    instanceId: e.BRIDGE_INSTANCE_ID,
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    mongoUrl: e.MONGO_URL,
    topicPrefix: e.TOPIC_PREFIX,
    jwt: jwtConfigOf(e),
    logLevel: e.LOG_LEVEL,
  };
}
