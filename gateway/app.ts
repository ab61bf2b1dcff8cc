// The gateway as a Koa app built from injected dependencies, so tests run it in-process on
// port 0 against the real stack, or against fakes, and main.ts wires the production ones.
//
//   correlation → access log → metrics → error handler → router
//   route: [authenticate] → [JSON body] → [Idempotency-Key] → handler
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import type { Collection } from 'mongodb';
import type { NotificationDocument } from '../streams/processors/notification-view/processor.js';
import type { EventSerde } from '../schemas/serde.js';
import { authenticate, type TokenVerifier } from './auth.js';
import type { HealthCheck } from './health.js';
import { accessLog } from './http/access-log.js';
import { jsonBody } from './http/body.js';
import { correlation } from './http/correlation.js';
import { errorHandler } from './http/error-handler.js';
import type { GatewayMiddleware, GatewayState } from './http/state.js';
import { idempotency, type IdempotencyStore } from './idempotency.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';
import { buildOpenApi } from './openapi.js';
import type { EventPublisher } from './publisher.js';
import type { RouteSpec } from './route-table.js';
import type { Clock } from './routes/common.js';
import { opsRoutes } from './routes/ops.js';
import { notificationRoutes } from './routes/notifications.js';
import { settingsRoutes } from './routes/settings.js';
import { taskRoutes } from './routes/tasks.js';
import type { ViewChangeWaiter } from './view-changes.js';
import type { SettingsReader, TaskReader } from './views.js';
import { WritePath } from './write-path.js';

export interface GatewayDeps {
  logger: Logger;
  verifier: TokenVerifier;
  serde: EventSerde;
  publisher: EventPublisher;
  viewChanges: ViewChangeWaiter;
  tasks: TaskReader;
  settings: SettingsReader;
  idempotency: IdempotencyStore;
  metrics: GatewayMetrics;
  checks: HealthCheck[];
  topicPrefix: string;
  rywTimeoutMs: number;
  bodyLimitBytes?: number;
  clock?: Clock;
  /** The notifications inbox (notification-view); without it the notification routes are not mounted. */
  notifications?: Collection<NotificationDocument>;
  /** Routes defined in other modules (e.g. GET /v1/tasks), mounted and documented like ours. */
  extraRoutes?: RouteSpec[];
  /** The browser client's page and assets (web-assets.ts): public, and not part of the API document. */
  webClient?: Koa.Middleware<GatewayState>;
}

export type GatewayApp = Koa<GatewayState> & { router: Router<GatewayState>; routes: RouteSpec[] };

const systemClock: Clock = { now: () => Date.now(), newId: () => randomUUID() };

export function createApp(deps: GatewayDeps): GatewayApp {
  const clock = deps.clock ?? systemClock;
  const writes = new WritePath({
    serde: deps.serde,
    publisher: deps.publisher,
    viewChanges: deps.viewChanges,
    metrics: deps.metrics,
    topicPrefix: deps.topicPrefix,
    rywTimeoutMs: deps.rywTimeoutMs,
  });

  const routes: RouteSpec[] = [];
  const openApi = () => buildOpenApi(routes, { title: 'todo-stream gateway', version: '1.0.0' });
  routes.push(
    ...taskRoutes({ tasks: deps.tasks, writes, clock }),
    ...settingsRoutes({ settings: deps.settings, writes, clock, rywTimeoutMs: deps.rywTimeoutMs }),
    ...(deps.notifications ? notificationRoutes({ inbox: deps.notifications, writes, clock }) : []),
    ...(deps.extraRoutes ?? []),
    ...opsRoutes({ metrics: deps.metrics, checks: deps.checks, openApi }),
  );

  const router = new Router<GatewayState>();
  const auth = authenticate(deps.verifier);
  const body = jsonBody(deps.bodyLimitBytes ?? 64 * 1024);
  const idem = idempotency(deps.idempotency, () => clock.now());
  for (const route of routes) {
    const chain: GatewayMiddleware[] = [];
    if (route.auth) chain.push(auth);
    if (route.write || route.body) chain.push(body);
    if (route.write) chain.push(idem);
    chain.push(route.handler);
    router.register(route.path, [route.method.toUpperCase()], chain, { name: route.operationId });
  }

  const app = new Koa<GatewayState>({ proxy: false });
  // Errors are answered and logged by errorHandler; this catches what happens outside a
  // request's middleware (a socket error while writing the response).
  app.silent = true;
  app.on('error', (err: unknown) => deps.logger.warn({ err }, 'response error'));
  app.use(correlation(deps.logger));
  app.use(accessLog(deps.logger));
  app.use(deps.metrics.middleware());
  app.use(errorHandler());
  app.use(router.routes());
  app.use(router.allowedMethods());
  if (deps.webClient) app.use(deps.webClient);
  return Object.assign(app, { router, routes });
}
