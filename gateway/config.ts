// The gateway's settings, read once from the environment and checked at start-up, so a typo
// fails the boot with the variable's name instead of surfacing as a strange request later.
import { z } from 'zod';
import { ConfigError, DEV_JWT_SECRET, jwtConfigOf, optionalText, parseEnv, refuseDevSecretInProduction, ServiceEnv } from '../platform/env-schema.js';

export { ConfigError, DEV_JWT_SECRET };

const EnvSchema = ServiceEnv.extend({
    GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    GATEWAY_HOST: z.string().default('0.0.0.0'),
    /** The task view's logical collection (the task-view processor's TASKS_COLLECTION). */
    TASKS_COLLECTION: z.string().min(1).default('tasks'),
    /** Where the audit connector writes (its `database` and ${AUDIT_COLLECTION}; outcomes in <collection>_outcomes). */
    AUDIT_DATABASE: z.string().min(1).default('todo'),
    AUDIT_COLLECTION: z.string().min(1).default('audit'),
    /** How long a write waits for the view to apply its event before answering 202. */
    RYW_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
    /** How long a write waits for the broker's ack before its event goes to the outbox (answer 202 queued). */
    PRODUCE_TIMEOUT_MS: z.coerce.number().int().min(500).max(300_000).default(4000),
    /**
     * librdkafka message.timeout.ms: how long a send already handed to librdkafka keeps being
     * retried. Long, so that a send answered 'queued' can still be acked instead of being
     * declared failed and relayed a second time while it may have been written.
     */
    PRODUCE_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(120_000),
    /**
     * librdkafka linger.ms. 0 answers a lone request soonest, but at 1,000 writes/s on a small
     * machine 2 ms measured a lower p99: fewer, bigger produce requests leave the broker more CPU.
     */
    PRODUCE_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(2),
    /** How long an Idempotency-Key claim is held without renewal: how soon a retry is served after its gateway died. */
    IDEMPOTENCY_LEASE_MS: z.coerce.number().int().min(300).max(600_000).default(5000),
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
  auditDatabase: string;
  auditCollection: string;
  rywTimeoutMs: number;
  produceTimeoutMs: number;
  produceDeliveryTimeoutMs: number;
  produceLingerMs: number;
  idempotencyLeaseMs: number;
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
    auditDatabase: e.AUDIT_DATABASE,
    auditCollection: e.AUDIT_COLLECTION,
    rywTimeoutMs: e.RYW_TIMEOUT_MS,
    produceTimeoutMs: e.PRODUCE_TIMEOUT_MS,
    produceDeliveryTimeoutMs: Math.max(e.PRODUCE_DELIVERY_TIMEOUT_MS, e.PRODUCE_TIMEOUT_MS),
    produceLingerMs: e.PRODUCE_LINGER_MS,
    idempotencyLeaseMs: e.IDEMPOTENCY_LEASE_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    devLogin: e.AUTH_DEV_LOGIN === '1',
    ...(e.BRIDGE_PUBLIC_URL ? { bridgePublicUrl: e.BRIDGE_PUBLIC_URL } : {}),
    bridgePort: e.BRIDGE_PORT,
  };
}
