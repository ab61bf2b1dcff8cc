// The bridge's settings, read once from the environment and checked at start-up (a typo fails
// the boot with the variable's name). JWT settings are the gateway's: the same tokens open both.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DEV_JWT_SECRET } from '../gateway/config.js';

const csv = z.string().transform((s) => s.split(',').map((part) => part.trim()).filter(Boolean));
const optionalText = z
  .string()
  .optional()
  .transform((s) => (s?.trim() ? s.trim() : undefined));

const EnvSchema = z
  .object({
    NODE_ENV: z.string().default('development'),
    BRIDGE_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
    BRIDGE_HOST: z.string().default('0.0.0.0'),
    /** Origins allowed to open sockets from a browser; '*' (the local default) allows any. */
    BRIDGE_CORS_ORIGINS: csv.default(['*']),
    /** A cursor further than this many records behind its partition's end gets resync. */
    BRIDGE_REPLAY_MAX_RECORDS: z.coerce.number().int().min(1).default(100_000),
    BRIDGE_INSTANCE_ID: z.string().min(1).default(() => randomUUID().slice(0, 8)),
    KAFKA_BROKERS: csv.pipe(z.array(z.string()).min(1)).default(['localhost:9092']),
    SCHEMA_REGISTRY_URL: z.url().default('http://localhost:8081/apis/ccompat/v7'),
    /** The notifications inbox (notification-view), replayed to a device on connect. */
    MONGO_URL: z.string().startsWith('mongodb').default('mongodb://localhost:27017/todo'),
    TOPIC_PREFIX: z.string().default(''),
    JWT_SECRET: z.string().min(16, 'JWT_SECRET must be at least 16 characters').default(DEV_JWT_SECRET),
    JWT_JWKS_URL: optionalText.pipe(z.url().optional()),
    JWT_ISSUER: optionalText,
    JWT_AUDIENCE: optionalText,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.JWT_SECRET === DEV_JWT_SECRET && !env.JWT_JWKS_URL) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'set JWT_SECRET or JWT_JWKS_URL in production' });
    }
  });

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
  jwt: { secret: string; jwksUrl?: string; issuer?: string; audience?: string };
  logLevel: string;
}

export function loadBridgeConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new Error(`invalid bridge configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
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
    jwt: {
      secret: e.JWT_SECRET,
      ...(e.JWT_JWKS_URL ? { jwksUrl: e.JWT_JWKS_URL } : {}),
      ...(e.JWT_ISSUER ? { issuer: e.JWT_ISSUER } : {}),
      ...(e.JWT_AUDIENCE ? { audience: e.JWT_AUDIENCE } : {}),
    },
    logLevel: e.LOG_LEVEL,
  };
}
