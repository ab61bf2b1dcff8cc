// The gateway's settings, read once from the environment and checked at start-up, so a typo
// fails the boot with the variable's name instead of surfacing as a strange request later.
import { z } from 'zod';

/**
 * Signs and verifies dev tokens when no JWT_SECRET is set. LOCAL USE ONLY: anyone can read it
 * here, so the gateway refuses to start with it when NODE_ENV=production.
 */
export const DEV_JWT_SECRET = 'todo-stream-local-dev-secret-not-for-production';

const csv = z
  .string()
  .transform((s) => s.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1));
const optionalText = z
  .string()
  .optional()
  .transform((s) => (s?.trim() ? s.trim() : undefined));

const EnvSchema = z
  .object({
    NODE_ENV: z.string().default('development'),
    GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    GATEWAY_HOST: z.string().default('0.0.0.0'),
    KAFKA_BROKERS: csv.default(['localhost:9092']),
    SCHEMA_REGISTRY_URL: z.url().default('http://localhost:8081/apis/ccompat/v7'),
    MONGO_URL: z.string().startsWith('mongodb').default('mongodb://localhost:27017/todo'),
    JWT_SECRET: z.string().min(16, 'JWT_SECRET must be at least 16 characters').default(DEV_JWT_SECRET),
    JWT_JWKS_URL: optionalText.pipe(z.url().optional()),
    JWT_ISSUER: optionalText,
    JWT_AUDIENCE: optionalText,
    TOPIC_PREFIX: z.string().default(''),
    /** The task view's logical collection (the task-view processor's TASKS_COLLECTION). */
    TASKS_COLLECTION: z.string().min(1).default('tasks'),
    /** How long a write waits for the view to apply its event before answering 202. */
    RYW_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
    /** librdkafka message.timeout.ms: after this a send counts as failed and goes to the outbox. */
    PRODUCE_TIMEOUT_MS: z.coerce.number().int().min(500).max(300_000).default(4000),
    /**
     * librdkafka linger.ms. 0 answers a lone request soonest, but at 1,000 writes/s on a small
     * machine 2 ms measured a lower p99: fewer, bigger produce requests leave the broker more CPU.
     */
    PRODUCE_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(2),
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** How long SIGTERM waits for requests in flight before closing anyway. */
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
    /** 1: POST /v1/dev/login mints a token for any user id (the web client's dev sign-in). LOCAL USE ONLY. */
    AUTH_DEV_LOGIN: z.enum(['0', '1'], { error: 'AUTH_DEV_LOGIN must be 0 or 1' }).default('0'),
    /** Where browsers reach the bridge; unset: the host name the page was loaded from, on BRIDGE_PORT. */
    BRIDGE_PUBLIC_URL: optionalText.pipe(z.url().optional()),
    BRIDGE_PORT: z.coerce.number().int().min(1).max(65535).default(8090),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.JWT_SECRET === DEV_JWT_SECRET && !env.JWT_JWKS_URL) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'set JWT_SECRET or JWT_JWKS_URL in production' });
    }
    if (env.NODE_ENV === 'production' && env.AUTH_DEV_LOGIN === '1') {
      ctx.addIssue({ code: 'custom', path: ['AUTH_DEV_LOGIN'], message: 'dev login hands out tokens for any user: never in production' });
    }
  });

export interface GatewayConfig {
  env: string;
  port: number;
  host: string;
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  mongoUrl: string;
  jwt: { secret: string; jwksUrl?: string; issuer?: string; audience?: string };
  topicPrefix: string;
  tasksCollection: string;
  rywTimeoutMs: number;
  produceTimeoutMs: number;
  produceLingerMs: number;
  bodyLimitBytes: number;
  logLevel: string;
  shutdownGraceMs: number;
  /** POST /v1/dev/login is mounted (never in production). */
  devLogin: boolean;
  /** The bridge's URL for browsers; undefined: derived from the request's host name and bridgePort. */
  bridgePublicUrl?: string;
  bridgePort: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid gateway configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    port: e.GATEWAY_PORT,
    host: e.GATEWAY_HOST,
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    mongoUrl: e.MONGO_URL,
    jwt: {
      secret: e.JWT_SECRET,
      ...(e.JWT_JWKS_URL ? { jwksUrl: e.JWT_JWKS_URL } : {}),
      ...(e.JWT_ISSUER ? { issuer: e.JWT_ISSUER } : {}),
      ...(e.JWT_AUDIENCE ? { audience: e.JWT_AUDIENCE } : {}),
    },
    topicPrefix: e.TOPIC_PREFIX,
    tasksCollection: e.TASKS_COLLECTION,
    rywTimeoutMs: e.RYW_TIMEOUT_MS,
    produceTimeoutMs: e.PRODUCE_TIMEOUT_MS,
    produceLingerMs: e.PRODUCE_LINGER_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    devLogin: e.AUTH_DEV_LOGIN === '1',
    ...(e.BRIDGE_PUBLIC_URL ? { bridgePublicUrl: e.BRIDGE_PUBLIC_URL } : {}),
    bridgePort: e.BRIDGE_PORT,
  };
}
