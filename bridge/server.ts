// The bridge: Socket.IO on BRIDGE_PORT, fed by task-views (the change of every task event, with
// the task after it, committed by the task-view processor). Each socket authenticates with the
// gateway's JWT, catches up from its cursor (replay from the log, see replay.ts), then receives
// its user's changes live, in log order, each once (sessions.ts).
//
//   handshake auth { token, cursor? } ──▶ verify ──▶ session (syncing) ──▶ replay ──▶ 'synced'
//                                                      ──▶ undelivered notifications (inbox)
//   task-views ──▶ live feed ──▶ sessions.dispatch(userId) ──▶ socket.emit('task')
//   notifications ──▶ live feed ──▶ hub.dispatch(userId) ──▶ socket.emit('notification', ack)
//   ack ──▶ NotificationDelivered (in_app) on notifications
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RdKafka } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import { contractFor } from '../contracts/avro/catalog.js';
import { MongoClient } from 'mongodb';
import { mongoClientOptions } from '../platform/mongo-options.js';
import { notificationEventFromWire, notificationEventToWire } from '../domain/events.js';
import { nameBasedId } from '../domain/name-based-id.js';
import type { NotificationEvent as WireNotificationEvent, TaskViewChange } from '../contracts/avro/generated/avro-types.js';
import { EventSerde } from '../contracts/avro/serde.js';
import { createVerifier } from '../platform/jwt.js';
import { kafkaProducerFactory } from '../platform/kafka-producer.js';
import type { NotificationDocument } from '../views/notification-view.js';
import { PartitionRangeReader } from '../platform/range-reader.js';
import type { BridgeConfig } from './config.js';
import { formatCursor, parseCursor } from './cursor.js';
import { TopicTail } from '../platform/topic-tail.js';
import { NotificationHub, notificationPush } from './notifications.js';
import { BridgeMetrics } from './metrics.js';
import { userPartition } from './partitioner.js';
import type { ClientToServerEvents, NotificationPush, ServerToClientEvents } from '../contracts/socket-protocol.js';
import { Replayer, type ReplayResult } from './replay.js';
import { Sessions, UserSession } from './sessions.js';
import { taskPush, type TaskPush } from './task-push.js';

export interface RunningBridge {
  url: string;
  port: number;
  metrics: BridgeMetrics;
  /** Sockets currently connected to this instance. */
  readonly sockets: number;
  stop(): Promise<void>;
}

export interface BridgeOptions {
  logger: Logger;
  processMetrics?: boolean;
}

interface SocketData {
  userId: string;
}

export async function startBridge(config: BridgeConfig, { logger, processMetrics }: BridgeOptions): Promise<RunningBridge> {
  const undo: (() => Promise<unknown>)[] = [];
  try {
    return await start(config, logger, processMetrics ?? false, undo);
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw err;
  }
}

async function start(config: BridgeConfig, logger: Logger, processMetrics: boolean, undo: (() => Promise<unknown>)[]): Promise<RunningBridge> {
  const prefix = config.topicPrefix;
  const topic = contractFor('task-views', prefix).topic;
  const metrics = new BridgeMetrics();
  if (processMetrics) metrics.collectProcessMetrics();
  const verifier = createVerifier(config.jwt);
  const serde = EventSerde.forUrl(config.schemaRegistryUrl, { topicPrefix: prefix });
  await serde.init(['task-views', 'notifications']);

  const decode = async (message: RdKafka.Message): Promise<TaskPush | null> => {
    const change = await serde.decode<TaskViewChange>('task-views', message.value ?? Buffer.alloc(0));
    return taskPush(change, { partition: message.partition, offset: message.offset });
  };

  const reader = new PartitionRangeReader({ brokers: config.kafkaBrokers, groupId: `${prefix}bridge-replay-${config.instanceId}`, outOfRange: 'error' });
  await reader.connect();
  undo.push(() => reader.disconnect());
  const replayer = new Replayer<TaskPush>({ reader, topic, decode, maxBehind: config.replayMaxRecords });

  const mongo = await new MongoClient(config.mongoUrl, mongoClientOptions(10)).connect();
  undo.push(() => mongo.close());
  const producer = kafkaProducerFactory(config.kafkaBrokers, 10_000)();
  await producer.connect();
  undo.push(() => producer.disconnect());
  const notificationsTopic = contractFor('notifications', prefix).topic;
  const hub = new NotificationHub(
    mongo.db().collection<NotificationDocument>('notifications'),
    (userId, notificationId) => {
      const value = serde.encode(
        'notifications',
        notificationEventToWire({
          eventId: nameBasedId('NotificationDelivered', notificationId, 'in_app'),
          type: 'NotificationDelivered',
          occurredAt: Date.now(),
          userId,
          notificationId,
          correlationId: notificationId,
          causationId: null,
          actor: `user:${userId}`,
          payload: { channel: 'in_app' },
        }),
      );
      // Lost on a broker outage: the notification then stays undelivered and comes again on connect.
      producer.send({ topic: notificationsTopic, messages: [{ key: userId, value, headers: {} }] }).catch((err: unknown) => logger.warn({ err, notificationId }, 'could not record a delivery'));
    },
    () => metrics.pushed.inc({ kind: 'notification', via: 'live' }),
  );
  const notificationFeed = new TopicTail({ brokers: config.kafkaBrokers, topic: notificationsTopic, groupId: `${prefix}bridge-notifications-${config.instanceId}`, logger });
  await notificationFeed.start(async (message) => {
    const event = notificationEventFromWire(await serde.decode<WireNotificationEvent>('notifications', message.value ?? Buffer.alloc(0)));
    if (event.type !== 'NotificationCreated') return;
    const push = notificationPush({ _id: event.notificationId, ...event.payload, createdAt: event.occurredAt });
    hub.dispatch(event.userId, push);
    metrics.pushLatency.observe({ kind: 'notification' }, (Date.now() - event.payload.deliverAt) / 1000);
  });
  undo.push(() => notificationFeed.stop());

  const sessions = new Sessions<TaskPush>();
  const feed = new TopicTail({ brokers: config.kafkaBrokers, topic, groupId: `${prefix}bridge-live-${config.instanceId}`, logger });
  await feed.start(async (message) => {
    const push = await decode(message);
    if (!push) return;
    const userId = message.key?.toString() ?? '';
    sessions.dispatch(userId, message.partition, { offset: message.offset, payload: push });
  });
  undo.push(() => feed.stop());

  const http = createServer((req, res) => serveOps(req, res, metrics));
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(http, {
    path: '/socket.io',
    serveClient: false,
    cors: { origin: config.corsOrigins === '*' ? true : config.corsOrigins },
  });

  io.use((socket, next) => {
    const token: unknown = (socket.handshake.auth as { token?: unknown }).token;
    if (typeof token !== 'string' || token === '') {
      metrics.refused.inc();
      return next(new Error('unauthorized'));
    }
    verifier.verify(token).then(
      (userId) => {
        socket.data.userId = userId;
        next();
      },
      () => {
        metrics.refused.inc();
        next(new Error('unauthorized'));
      },
    );
  });

  io.on('connection', (socket) => {
    void connect(socket).catch((err: unknown) => {
      // Most likely the broker is unreachable: the client retries with its cursor, losing nothing.
      logger.warn({ err, userId: socket.data.userId }, 'could not sync a socket; disconnecting it');
      socket.disconnect(true);
    });
  });

  async function connect(socket: Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>): Promise<void> {
    const { userId } = socket.data;
    const partition = userPartition(userId, feed.partitionCount);
    const cursor = parseCursor((socket.handshake.auth as { cursor?: unknown }).cursor);
    const usable = cursor !== null && cursor !== 'invalid' && cursor.partition === partition;
    const session = new UserSession<TaskPush>(userId, partition, usable ? cursor.offset : -1, ({ payload }) => {
      const via = session.syncing ? 'replay' : 'live';
      socket.emit('task', payload);
      metrics.pushed.inc({ kind: 'task', via });
      if (via === 'live') metrics.pushLatency.observe({ kind: 'task' }, (Date.now() - Date.parse(payload.event.occurredAt)) / 1000);
    });
    sessions.add(session);
    // Synchronously with add(): the feed has handed out everything up to here, before this
    // session listened; everything after reaches it live.
    const upTo = feed.position(partition);
    metrics.sockets.inc();
    const notifications = { userId, send: (push: NotificationPush, acked: () => void) => void socket.emit('notification', push, acked) };
    socket.on('disconnect', () => {
      sessions.remove(session);
      hub.disconnect(notifications);
      metrics.sockets.dec();
    });

    // A cursor we never issued, or one from before the topic was repartitioned: resync.
    const result: ReplayResult<TaskPush> =
      cursor !== null && !usable ? { kind: 'resync', reason: 'CURSOR_EXPIRED', upTo } : await replayer.replay(userId, partition, usable ? cursor.offset : null, upTo);
    if (result.kind === 'resync') socket.emit('resync', { reason: result.reason });
    const replayed = result.kind === 'replayed' ? result.changes : [];
    session.synced(replayed, result.upTo);
    metrics.replays.inc({ outcome: result.kind === 'resync' ? `resync_${result.reason.toLowerCase()}` : cursor === null ? 'fresh' : 'replayed' });
    socket.emit('synced', { cursor: formatCursor({ partition, offset: session.lastOffset }), replayed: replayed.length });
    if (socket.connected) await hub.connect(notifications);
  }

  await listen(http, config.port, config.host);
  undo.push(() => new Promise((resolve) => void io.close(() => resolve(undefined))));
  const port = (http.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  logger.info({ port, topic, partitions: feed.partitionCount, instanceId: config.instanceId }, 'bridge listening');

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    metrics,
    get sockets() {
      return sessions.size;
    },
    stop() {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => void io.close(() => resolve()));
        await feed.stop().catch((err: unknown) => logger.warn({ err }, 'stopping the live feed failed'));
        await notificationFeed.stop().catch((err: unknown) => logger.warn({ err }, 'stopping the notifications feed failed'));
        await producer.disconnect().catch((err: unknown) => logger.warn({ err }, 'disconnecting the producer failed'));
        await mongo.close().catch((err: unknown) => logger.warn({ err }, 'closing the database client failed'));
        await reader.disconnect().catch((err: unknown) => logger.warn({ err }, 'disconnecting the replay reader failed'));
        logger.info('bridge stopped');
      })();
      return stopping;
    },
  };
}

function serveOps(req: IncomingMessage, res: ServerResponse, metrics: BridgeMetrics): void {
  const path = (req.url ?? '').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  } else if (req.method === 'GET' && path === '/metrics') {
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  } else if (!path?.startsWith('/socket.io')) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"no such route"}}');
  }
}

function listen(server: HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
