// Prometheus metrics of one gateway (a registry per app, so tests can run several in-process):
// requests by route, method and status; latency; events produced (straight or via the outbox);
// outbox depth; read-your-writes outcomes.
import type { Middleware } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GatewayState } from './http/state.js';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP request latency by route template and method',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly eventsProduced = new Counter({
    name: 'gateway_events_produced_total',
    help: 'Events acked by the broker, by topic and path (direct or relayed from the outbox)',
    labelNames: ['topic', 'via'] as const,
    registers: [this.registry],
  });
  readonly outboxDepth = new Gauge({
    name: 'gateway_outbox_depth',
    help: 'Events in the durable outbox waiting for the broker',
    registers: [this.registry],
  });
  readonly readYourWrites = new Counter({
    name: 'gateway_read_your_writes_total',
    help: 'How writes were answered: applied, rejected, timeout (202), async (202 on request), queued (outbox)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  /** Process metrics (CPU, memory, event loop lag); once per process, so main.ts opts in. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
  }

  middleware(): Middleware<GatewayState> {
    return async (ctx, next) => {
      const start = process.hrtime.bigint();
      try {
        await next();
      } finally {
        // The route template, never the raw path: ids would explode the label's cardinality.
        const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
        const route = typeof matched === 'string' ? matched : 'unmatched';
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        this.requests.inc({ route, method: ctx.method, status: String(ctx.status) });
        this.latency.observe({ route, method: ctx.method }, seconds);
      }
    };
  }
}
