// Real gateways in-process for integration tests: each suite gets its own topic prefix (schemas
// registered, topics created), its own database, and gateways on port 0 wired exactly as
// main.ts wires them. Helpers make requests as a user and read events back as an outside
// consumer would.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { MongoClient, type Db } from 'mongodb';
import { contractFor, type EventTopic } from '../../contracts/avro/catalog.js';
import { consumeUntil, type ConsumedRecord } from './kafka.js';
import { stackEnv, uniqueName } from './stack-env.js';
import { signDevToken } from '../../gateway/auth.js';
import { loadConfig, type GatewayConfig } from '../../gateway/config.js';
import { createLogger } from '../../platform/logger.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { newApp, startAndAssign } from '../../streams/runtime/__tests__/support.js';
import type { StreamsApp } from '../../streams/runtime/index.js';
import { settingsViewProcessor, type SettingsDocument } from '../../streams/processors/settings-view/processor.js';
import { taskViewProcessor } from '../../streams/processors/task-view/processor.js';
import { MongoTaskViewStore, type TaskViewStore } from '../../streams/processors/task-view/view-store.js';
import { notifierProcessor } from '../../streams/processors/notifier/processor.js';
import { ensureNotificationIndexes, notificationViewProcessor, type NotificationDocument } from '../../streams/processors/notification-view/processor.js';
import { schedulerProcessor, type SchedulerOptions } from '../../streams/processors/scheduler/processor.js';

export type { TaskViewStore };

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'todo-schemas.mjs');

/** Registers every schema under `prefix` and creates its topics, as `make schemas-register` does. */
export async function registerPrefix(prefix: string): Promise<void> {
  const env = { ...process.env, TOPIC_PREFIX: prefix, SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl, KAFKA_BROKERS: stackEnv.kafkaBrokers.join(',') };
  await promisify(execFile)(process.execPath, [CLI, 'register'], { env });
}

/** The stack's MongoDB URL with another database name: a suite's own views, outbox and keys. */
export function mongoUrlFor(database: string): string {
  const url = new URL(stackEnv.mongoUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  user?: string | null;
  token?: string;
  body?: unknown;
  /** Sent as is, with the given content type (default application/json when body is set). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export class GatewayHarness {
  readonly prefix = `${uniqueName('gw')}.`;
  readonly databaseName = uniqueName('gwdb').replace(/[^A-Za-z0-9_-]/g, '_');
  readonly mongoUrl = mongoUrlFor(this.databaseName);
  readonly registry = new SchemaRegistry({ host: stackEnv.schemaRegistryUrl });
  config!: GatewayConfig;
  gateway!: RunningGateway;
  private mongo!: MongoClient;
  private readonly processors: StreamsApp[] = [];

  constructor(private readonly env: Record<string, string> = {}) {}

  get db(): Db {
    return this.mongo.db();
  }

  get url(): string {
    return this.gateway.url;
  }

  topic(name: EventTopic): string {
    return contractFor(name, this.prefix).topic;
  }

  /** `beforeStart` runs once the topics exist, before the gateway starts (to take one away, say). */
  async setup(options: { beforeStart?: () => Promise<void> } = {}): Promise<this> {
    await registerPrefix(this.prefix);
    this.mongo = await new MongoClient(this.mongoUrl).connect();
    await options.beforeStart?.();
    await this.start();
    return this;
  }

  async start(): Promise<RunningGateway> {
    this.config = loadConfig({
      ...process.env,
      KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl,
      MONGO_URL: this.mongoUrl,
      TOPIC_PREFIX: this.prefix,
      GATEWAY_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      RYW_TIMEOUT_MS: '5000',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...this.env,
    });
    this.gateway = await startGateway(this.config, { logger: createLogger(this.config.logLevel) });
    return this.gateway;
  }

  async restart(): Promise<void> {
    await this.gateway.stop();
    await this.start();
  }

  /**
   * Runs the real task-view and settings-view processors in this process, on this suite's
   * topics and database, and resolves once they own their partitions. `wrapStore` lets a spec
   * put itself between the task view and its real store (to hold writes back, say).
   */
  async startViewProcessors(options: { wrapStore?: (store: TaskViewStore) => TaskViewStore } = {}): Promise<void> {
    const mongoStore = new MongoTaskViewStore(this.db, { name: 'tasks' });
    await mongoStore.init();
    const store = options.wrapStore?.(mongoStore) ?? mongoStore;
    const apps = [
      newApp(taskViewProcessor({ store, name: 'task-view' }), this.prefix),
      newApp(settingsViewProcessor({ collection: this.db.collection<SettingsDocument>('settings'), name: 'settings-view' }), this.prefix),
    ];
    this.processors.push(...apps);
    await Promise.all(apps.map(startAndAssign));
  }

  /** The reminder pipeline: scheduler, notifier and the notifications inbox view, in this process. */
  async startTimeProcessors(scheduler: SchedulerOptions = {}): Promise<void> {
    const inbox = this.db.collection<NotificationDocument>('notifications');
    await ensureNotificationIndexes(inbox);
    const apps = [newApp(schedulerProcessor(scheduler), this.prefix), newApp(notifierProcessor(), this.prefix), newApp(notificationViewProcessor({ collection: inbox }), this.prefix)];
    this.processors.push(...apps);
    await Promise.all(apps.map(startAndAssign));
  }

  async teardown(): Promise<void> {
    await Promise.all(this.processors.map((app) => app.stop()));
    await this.gateway?.stop();
    await this.mongo?.db().dropDatabase().catch(() => undefined);
    await this.mongo?.close();
  }

  token(user: string, options: { expiresIn?: string | number } = {}): Promise<string> {
    return signDevToken(user, this.config.jwt.secret, options);
  }

  async request<T = Record<string, unknown>>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    else if (options.user) headers.authorization = `Bearer ${await this.token(options.user)}`;
    let body: string | Buffer | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (metrics): keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  /** Records of `topic` from the start until `done` holds. */
  records(name: EventTopic, done: (records: ConsumedRecord[]) => boolean, timeoutMs = 30_000): Promise<ConsumedRecord[]> {
    return consumeUntil(this.topic(name), done, { timeoutMs });
  }

  /** Decodes with a plain registry client, as a consumer outside this project would. */
  async decode<T = Record<string, unknown>>(record: ConsumedRecord): Promise<T> {
    return (await this.registry.decode(record.value!)) as T;
  }
}

/** The payload of a decoded event, whether or not the reader wraps union branches. */
export function payloadOf(event: { payload: unknown }): Record<string, unknown> {
  const payload = event.payload as Record<string, unknown>;
  const keys = Object.keys(payload);
  return keys.length === 1 && keys[0]!.includes('.') ? (payload[keys[0]!] as Record<string, unknown>) : payload;
}
