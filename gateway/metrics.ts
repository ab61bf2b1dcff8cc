// Prometheus metrics of one gateway (a registry per app, so tests can run several in-process):
// requests by route, method and status; latency; events produced (straight or via the outbox);
// outbox depth and age; read-your-writes outcomes and latency (write → materialized answer).
import type { Middleware } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GatewayState } from './http/state.js';

export class GatewayMetrics {
  readonly registry = new Registry();
  /** Set by watchOutboxAge; read at each scrape. */
  private oldestOutboxAge: (() => Promise<number>) | undefined;
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
  readonly outboxAge = new Gauge({
    name: 'gateway_outbox_oldest_age_seconds',
    help: 'Age of the oldest event in the durable outbox (0 when empty)',
    registers: [this.registry],
    collect: async () => {
      if (this.oldestOutboxAge) this.outboxAge.set(await this.oldestOutboxAge().catch(() => NaN));
    },
  });
  readonly writeToView = new Histogram({
    name: 'gateway_write_to_view_seconds',
    help: 'From producing a write event to its outcome from the task view (the read-your-writes answer), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly readYourWrites = new Counter({
    name: 'gateway_read_your_writes_total',
    help: 'How writes were answered: applied, rejected, timeout (202), async (202 on request), queued (outbox)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Every known label value starts at 0: a series that first appears with its first event has
    // no earlier sample, so rate() and increase() would never count that event.
    for (const outcome of ['applied', 'duplicate', 'rejected']) this.writeToView.zero({ outcome });
    for (const result of ['applied', 'duplicate', 'rejected', 'timeout', 'async', 'queued']) this.readYourWrites.inc({ result }, 0);
  }

  /**
   * Process metrics (CPU, memory, event loop lag, GC); once per process, so main.ts opts in.
   * Unprefixed, as in every service: the `job` label tells them apart on one Node panel.
   */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Measures the outbox's oldest entry at each scrape (one indexed query per scrape). */
  watchOutboxAge(oldestAgeSeconds: () => Promise<number>): void {
    this.oldestOutboxAge = oldestAgeSeconds;
  }

  middleware(): Middleware<GatewayState> {
    // The labelled series of each (route, method[, status]), looked up once: prom-client hashes
    // the label object on every inc/observe, and a gateway sees a handful of combinations.
    const counted = new Map<string, Counter.Internal>();
    const timed = new Map<string, Histogram.Internal<'route' | 'method'>>();
    const countOf = (route: string, method: string, status: string) => {
      const key = `${route} ${method} ${status}`;
      let series = counted.get(key);
      if (!series) counted.set(key, (series = this.requests.labels({ route, method, status })));
      return series;
    };
    const timerOf = (route: string, method: string) => {
      const key = `${route} ${method}`;
      let series = timed.get(key);
      if (!series) timed.set(key, (series = this.latency.labels({ route, method })));
      return series;
    };
    return async (ctx, next) => {
      const start = process.hrtime.bigint();
      try {
        await next();
      } finally {
        // The route template, never the raw path: ids would explode the label's cardinality.
        const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
        const route = typeof matched === 'string' ? matched : 'unmatched';
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        countOf(route, ctx.method, String(ctx.status)).inc();
        timerOf(route, ctx.method).observe(seconds);
      }
    };
  }
}
