// The gateway as a Koa app built from injected dependencies, so tests run it in-process on
// port 0 against the real stack, or against fakes, and main.ts wires the production ones.
//
//   correlation → access log → metrics → error handler → router
//   route: [authenticate] → [JSON body] → [Idempotency-Key] → handler
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import type { Collection, Document } from 'mongodb';
import type { NotificationDocument } from '../views/notification-view.js';
import type { EventSerde } from '../contracts/avro/serde.js';
import { authenticate, type TokenVerifier } from './auth.js';
import type { HealthCheck } from './health.js';
import { accessLog } from './http/access-log.js';
import { jsonBody } from './http/body.js';
import { correlation } from './http/correlation.js';
import { errorHandler } from './http/error-handler.js';
import type { GatewayMiddleware, GatewayState } from './http/state.js';
import { idempotency, type IdempotencyStore } from './idempotency.js';
import type { Logger } from '../platform/logger.js';
import type { GatewayMetrics } from './metrics.js';
import { buildOpenApi } from './openapi.js';
import type { EventPublisher } from './publisher.js';
import type { RouteSpec } from './route-table.js';
import type { Clock } from './routes/common.js';
import { chatRoute } from './routes/chat.js';
import { historyRoute, type AuditCollections } from './routes/history.js';
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
  /** The live tasks view collection, for the chat's lists and task matching; without it POST /v1/chat is not mounted. */
  taskViews?: () => Promise<Collection<Document>>;
  /** The audit store Kafka Connect fills; without it GET /v1/tasks/:id/history is not mounted. */
  audit?: AuditCollections;
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
    ...(deps.notifications ? notificationRoutes({ inbox: deps.notifications, writes, clock, rywTimeoutMs: deps.rywTimeoutMs }) : []),
    ...(deps.audit ? [historyRoute({ audit: deps.audit, tasks: deps.tasks })] : []),
    ...(deps.taskViews ? [chatRoute({ tasks: deps.taskViews, settings: deps.settings, writes, clock, rywTimeoutMs: deps.rywTimeoutMs })] : []),
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
  app.use(methodNotAllowed(router));
  if (deps.webClient) app.use(deps.webClient);
  return Object.assign(app, { router, routes });
}

/**
 * A path we serve asked with a method we do not: 405 with `Allow` (RFC 9110), whatever the
 * method, where koa-router answers 501 to the ones it does not know (TRACE, CONNECT); OPTIONS
 * answers 204 with `Allow`. Other paths go on (to the web client, then 404).
 */
function methodNotAllowed(router: Router<GatewayState>): Koa.Middleware<GatewayState> {
  return async (ctx, next) => {
    const matched = router.match(ctx.path, ctx.method);
    if (matched.route || matched.path.length === 0) {
      await next();
      return;
    }
    const allowed = new Set(matched.path.flatMap((layer) => layer.methods));
    if (allowed.has('GET')) allowed.add('HEAD');
    allowed.add('OPTIONS');
    ctx.set('Allow', [...allowed].join(', '));
    ctx.status = ctx.method === 'OPTIONS' ? 204 : 405;
  };
}
