// The audit re-drive's settings, read once from the environment and checked at start-up (a typo
// fails the boot with the variable's name).
//
//   KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL & co.   as for every service (platform/kafka-security.ts)
//   TOPIC_PREFIX                 prefixes the topics and the consumer group (default none)
//   METRICS_PORT                 GET /metrics, /readyz, /healthz (default 9470, after the processors' 9464-9469; 0 = any free port)
//   REDRIVE_MAX_ATTEMPTS         re-sends of one dead letter before it is parked (default 12)
//   REDRIVE_BACKOFF_INITIAL_MS   the wait before the first re-send, doubled for each next one (default 2000)
//   REDRIVE_BACKOFF_MAX_MS       the longest wait (default 60000; 12 attempts then cover about 8 minutes)
//   REDRIVE_JITTER               each wait is shortened by up to this fraction at random (default 0.2)
//   REDRIVE_DELIVERY_TIMEOUT_MS  how long the producer tries one re-send before it is tried again (default 30000)
//   TOPIC_PARTITIONS, TOPIC_REPLICATION, TOPIC_MIN_INSYNC_REPLICAS   the retry topic's, as the event topics'
//   LOG_LEVEL                    pino level (default info)
import { z } from 'zod';
import { parseEnv, ServiceEnv } from '../../platform/env-schema.js';
import { AUDIT_REDRIVE, auditDeadLetterTopic, auditRetryTopicSpec, type TopicSpec } from '../../platform/kafka-access.js';
import { contractFor } from '../../contracts/avro/catalog.js';
import type { RedrivePolicy } from './redrive.js';

/**
 * The wait before a re-send happens inside the consumer's message handler (records of the one
 * dead-letter partition are in failure order, so waiting in order is right), and librdkafka
 * leaves the group when a handler holds the consumer longer than max.poll.interval.ms: the
 * longest wait stays well inside it.
 */
export const MAX_BACKOFF_LIMIT_MS = 4 * 60_000;

const EnvSchema = ServiceEnv.pick({ KAFKA_BROKERS: true, TOPIC_PREFIX: true, LOG_LEVEL: true })
  .extend({
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9470),
    REDRIVE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(12),
    REDRIVE_BACKOFF_INITIAL_MS: z.coerce.number().int().min(1).default(2000),
    REDRIVE_BACKOFF_MAX_MS: z.coerce.number().int().min(1).max(MAX_BACKOFF_LIMIT_MS).default(60_000),
    REDRIVE_JITTER: z.coerce.number().min(0).max(1).default(0.2),
    REDRIVE_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
    TOPIC_REPLICATION: z.coerce.number().int().min(1).default(1),
  })
  .refine((e) => e.REDRIVE_BACKOFF_INITIAL_MS <= e.REDRIVE_BACKOFF_MAX_MS, {
    path: ['REDRIVE_BACKOFF_INITIAL_MS'],
    message: 'must not exceed REDRIVE_BACKOFF_MAX_MS',
  });

export interface RedriveConfig {
  brokers: string[];
  /** The consumer group on the dead-letter topic: `<prefix>audit-redrive`. */
  groupId: string;
  deadLetterTopic: string;
  retryTopic: TopicSpec;
  replicationFactor: number;
  policy: RedrivePolicy;
  deliveryTimeoutMs: number;
  metricsPort: number;
  logLevel: string;
}

export function loadRedriveConfig(env: NodeJS.ProcessEnv = process.env): RedriveConfig {
  const e = parseEnv(EnvSchema, env, 'audit-redrive');
  const prefix = e.TOPIC_PREFIX;
  return {
    brokers: e.KAFKA_BROKERS,
    groupId: `${prefix}${AUDIT_REDRIVE}`,
    deadLetterTopic: auditDeadLetterTopic(prefix),
    retryTopic: auditRetryTopicSpec(prefix),
    replicationFactor: e.TOPIC_REPLICATION,
    policy: {
      maxAttempts: e.REDRIVE_MAX_ATTEMPTS,
      initialBackoffMs: e.REDRIVE_BACKOFF_INITIAL_MS,
      maxBackoffMs: e.REDRIVE_BACKOFF_MAX_MS,
      jitter: e.REDRIVE_JITTER,
      // The outcomes collection's ids are topic-partition-offset (KafkaMetaDataStrategy).
      neverRedriven: new Set([contractFor('task-views', prefix).topic]),
    },
    deliveryTimeoutMs: e.REDRIVE_DELIVERY_TIMEOUT_MS,
    metricsPort: e.METRICS_PORT,
    logLevel: e.LOG_LEVEL,
  };
}
