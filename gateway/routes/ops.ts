// Operational routes, without authentication: liveness, readiness with per-dependency detail,
// Prometheus metrics, and the API description.
import { runChecks, type HealthCheck } from '../health.js';
import type { GatewayMetrics } from '../metrics.js';
import type { RouteSpec } from '../route-table.js';

export interface OpsRouteDeps {
  metrics: GatewayMetrics;
  checks: HealthCheck[];
  /** Built lazily: it describes every route, this one included. */
  openApi: () => unknown;
}

export function opsRoutes({ metrics, checks, openApi }: OpsRouteDeps): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/healthz',
      operationId: 'healthz',
      summary: 'Liveness: the process answers',
      tag: 'operations',
      auth: false,
      responses: { 200: { description: '{ "status": "ok" }' } },
      handler: (ctx) => {
        ctx.body = { status: 'ok' };
      },
    },
    {
      method: 'get',
      path: '/readyz',
      operationId: 'readyz',
      summary: 'Readiness: broker, schema registry and database reachable',
      tag: 'operations',
      auth: false,
      responses: { 200: { description: 'all reachable, with timings' }, 503: { description: 'at least one is not; each check says why' } },
      handler: async (ctx) => {
        const { ready, checks: results } = await runChecks(checks);
        ctx.status = ready ? 200 : 503;
        ctx.body = { status: ready ? 'ready' : 'unready', checks: results };
      },
    },
    {
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      tag: 'operations',
      auth: false,
      responses: { 200: { description: 'text exposition format' } },
      handler: async (ctx) => {
        ctx.type = metrics.registry.contentType;
        ctx.body = await metrics.registry.metrics();
      },
    },
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This API, as OpenAPI 3.1',
      tag: 'operations',
      auth: false,
      responses: { 200: { description: 'the OpenAPI document' } },
      handler: (ctx) => {
        ctx.body = openApi();
      },
    },
  ];
}
