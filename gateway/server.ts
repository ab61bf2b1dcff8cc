// Wires the production dependencies into the app and runs it: MongoDB, the registry-backed
// serde, the producer with its outbox, the task-views follower for read-your-writes. Used by
// main.ts and by the integration tests, which start real gateways in-process on port 0.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { kafkaSecurity } from '../platform/kafka-security.js';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { contractFor } from '../contracts/avro/catalog.js';
import { EventSerde } from '../contracts/avro/serde.js';
import { createApp, type GatewayApp } from './app.js';
import { createVerifier } from './auth.js';
import type { GatewayConfig } from './config.js';
import { ensureGatewayIndexes } from './db.js';
import { brokerCheck, databaseCheck, registryCheck } from './health.js';
import { mongoIdempotencyStore } from './idempotency.js';
import type { Logger } from '../platform/logger.js';
import { mongoClientOptions } from '../platform/mongo-options.js';
import { GatewayMetrics } from './metrics.js';
import { mongoOutbox, outboxOldestAgeSeconds } from './outbox.js';
import { KafkaPublisher, kafkaProducerFactory } from './publisher.js';
import type { RouteSpec } from './route-table.js';
import { ViewChangeConsumer, ViewChangeWaiters } from './view-changes.js';
import { liveViewCollection } from '../views/task-view.js';
import { taskListRoute } from './routes/task-list.js';
import { mongoSettingsReader, mongoTaskReader } from './views.js';
import type { NotificationDocument } from '../views/notification-view.js';
import { bridgeUrlFor, webClientRoutes } from './routes/web-client.js';
import { buildWebAssets, serveWebAssets } from './web-assets.js';

export interface RunningGateway {
  app: GatewayApp;
  server: Server;
  url: string;
  publisher: KafkaPublisher;
  metrics: GatewayMetrics;
  /** Stop accepting, drain requests in flight, flush the producer, close every client. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Register process-wide metrics (once per process). */
  processMetrics?: boolean;
  extraRoutes?: RouteSpec[];
  /** How long start waits for the broker before serving in outbox mode. */
  brokerWaitMs?: number;
}

export async function startGateway(config: GatewayConfig, options: StartOptions): Promise<RunningGateway> {
  // What has been started so far, undone in reverse when a later step fails, so a failed start
  // leaves no client or timer behind.
  const undo: (() => Promise<unknown>)[] = [];
  try {
    return await start(config, options, undo);
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw err;
  }
}

async function start(config: GatewayConfig, options: StartOptions, undo: (() => Promise<unknown>)[]): Promise<RunningGateway> {
  const { logger } = options;
  // First: a client that does not build is a bug to see at start-up, not on the first page load.
  const webAssets = await buildWebAssets({ production: config.env === 'production' });
  const mongo = await new MongoClient(config.mongoUrl, mongoClientOptions(16)).connect();
  undo.push(() => mongo.close());
  const database = mongo.db();
  await ensureGatewayIndexes(database);

  const serde = EventSerde.forUrl(config.schemaRegistryUrl, { topicPrefix: config.topicPrefix });
  await serde.init(['task-events', 'user-events', 'task-views', 'notifications']);

  const metrics = new GatewayMetrics();
  if (options.processMetrics) metrics.collectProcessMetrics();

  const outbox = mongoOutbox(database);
  metrics.outboxDepth.set(await outbox.depth());
  metrics.watchOutboxAge(() => outboxOldestAgeSeconds(database));
  const publisher = new KafkaPublisher({
    createProducer: kafkaProducerFactory(config.kafkaBrokers, config.produceDeliveryTimeoutMs, config.produceLingerMs),
    answerTimeoutMs: config.produceTimeoutMs,
    outbox,
    logger: logger.child({ component: 'publisher' }),
    hooks: {
      produced: (topic, via) => metrics.eventsProduced.inc({ topic, via }),
      outboxDepth: (depth) => Number.isFinite(depth) && metrics.outboxDepth.set(depth),
    },
  });
  undo.push(() => publisher.stop());
  await publisher.start(options.brokerWaitMs ?? 10_000);

  const waiters = new ViewChangeWaiters((seconds, outcome) => metrics.writeToView.observe({ outcome }, seconds));
  const viewChanges = new ViewChangeConsumer({
    brokers: config.kafkaBrokers,
    topicPrefix: config.topicPrefix,
    serde,
    waiters,
    logger: logger.child({ component: 'view-changes' }),
  });
  undo.push(() => viewChanges.stop());
  // Without it writes still work, answering 202 after the read-your-writes timeout; a failed
  // start is retried in the background, and the gateway is not ready meanwhile.
  await viewChanges.start();

  const kafka = new KafkaJS.Kafka({ ...kafkaSecurity(), kafkaJS: { brokers: config.kafkaBrokers, logLevel: KafkaJS.logLevel.NOTHING } });
  const admin = kafka.admin();
  let adminConnected: Promise<void> | null = null;
  const taskTopic = contractFor('task-events', config.topicPrefix).topic;
  const broker = brokerCheck(admin, taskTopic);

  const liveTasks = liveViewCollection(database, config.tasksCollection);
  const viewsForChat = async () => (await liveTasks()) as unknown as Collection<Document>;
  const app = createApp({
    logger,
    verifier: createVerifier(config.jwt),
    serde,
    publisher,
    viewChanges: waiters,
    tasks: mongoTaskReader(database, config.tasksCollection),
    settings: mongoSettingsReader(database),
    notifications: database.collection<NotificationDocument>('notifications'),
    // The chat reads the view through plain finds: the document type does not matter to it.
    taskViews: viewsForChat,
    audit: {
      events: mongo.db(config.auditDatabase).collection(config.auditCollection),
      outcomes: mongo.db(config.auditDatabase).collection(`${config.auditCollection}_outcomes`),
    },
    idempotency: mongoIdempotencyStore(database, { leaseMs: config.idempotencyLeaseMs }),
    metrics,
    checks: [
      {
        name: 'broker',
        async check() {
          // Connected on first use and again after a failure, so a broker that was down at
          // start-up is reported ready once it is back.
          adminConnected ??= admin.connect();
          try {
            await adminConnected;
            await broker.check();
          } catch (err) {
            adminConnected = null;
            throw err;
          }
        },
      },
      registryCheck(config.schemaRegistryUrl),
      databaseCheck(database),
      {
        name: 'view-changes',
        check() {
          if (!viewChanges.following) return Promise.reject(new Error('not following task-views (yet): writes answer 202, not the materialized task'));
          return Promise.resolve();
        },
      },
    ],
    topicPrefix: config.topicPrefix,
    rywTimeoutMs: config.rywTimeoutMs,
    bodyLimitBytes: config.bodyLimitBytes,
    // The list reads the live collection, so it follows a views-rebuild swap.
    extraRoutes: [
      taskListRoute({ tasks: liveViewCollection(database, config.tasksCollection) }),
      ...webClientRoutes(config),
      ...(options.extraRoutes ?? []),
    ],
    webClient: serveWebAssets(webAssets, { bridgeUrl: (ctx) => bridgeUrlFor(config, ctx) }),
  });

  const purge = setInterval(
    () => {
      mongoIdempotencyStore(database)
        .purgeOlderThan(new Date(Date.now() - 24 * 3600_000))
        .catch((err: unknown) => logger.warn({ err }, 'idempotency purge failed'));
    },
    3600_000,
  ).unref();

  undo.push(() => Promise.resolve(clearInterval(purge)));
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  logger.info({ port, topicPrefix: config.topicPrefix }, 'gateway listening');

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('gateway stopping: no new connections, draining requests in flight');
      clearInterval(purge);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs).unref();
      await closed;
      clearTimeout(grace);
      await publisher.stop();
      await viewChanges.stop();
      if (adminConnected) await admin.disconnect().catch(() => undefined);
      await mongo.close();
      logger.info('gateway stopped');
    })());

  return { app, server, url, publisher, metrics, stop };
}
