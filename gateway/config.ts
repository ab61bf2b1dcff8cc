// The gateway's settings, read once from the environment and checked at start-up, so a typo
// fails the boot with the variable's name instead of surfacing as a strange request later.
import { z } from 'zod';
import { ConfigError, DEV_JWT_SECRET, jwtConfigOf, optionalText, parseEnv, refuseDevSecretInProduction, ServiceEnv } from './env-schema.js';

export { ConfigError, DEV_JWT_SECRET };

const EnvSchema = ServiceEnv.extend({
    GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    GATEWAY_HOST: z.string().default('0.0.0.0'),
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
    /** How long SIGTERM waits for requests in flight before closing anyway. */
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
    /** 1: POST /v1/dev/login mints a token for any user id (the web client's dev sign-in). LOCAL USE ONLY. */
    AUTH_DEV_LOGIN: z.enum(['0', '1'], { error: 'AUTH_DEV_LOGIN must be 0 or 1' }).default('0'),
    /** Where browsers reach the bridge; unset: the host name the page was loaded from, on BRIDGE_PORT. */
    BRIDGE_PUBLIC_URL: optionalText.pipe(z.url().optional()),
    BRIDGE_PORT: z.coerce.number().int().min(1).max(65535).default(8090),
  })
  .superRefine((env, ctx) => {
    refuseDevSecretInProduction(env, ctx);
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = parseEnv(EnvSchema, env, 'gateway');
  return {
    env: e.NODE_ENV,
    port: e.GATEWAY_PORT,
    host: e.GATEWAY_HOST,
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    mongoUrl: e.MONGO_URL,
    jwt: jwtConfigOf(e),
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
