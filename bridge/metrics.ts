// Prometheus metrics of one bridge: sockets, pushes, push latency (event time to emit), replays.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export class BridgeMetrics {
  readonly registry = new Registry();
  readonly sockets = new Gauge({ name: 'bridge_connected_sockets', help: 'Sockets connected and authenticated', registers: [this.registry] });
  readonly pushed = new Counter({
    name: 'bridge_events_pushed_total',
    help: 'Events emitted to sockets, by kind (task, notification) and path (live, replay)',
    labelNames: ['kind', 'via'] as const,
    registers: [this.registry],
  });
  readonly pushLatency = new Histogram({
    name: 'bridge_push_latency_seconds',
    help: 'From the event occurring to its live emit to a socket',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly replays = new Counter({
    name: 'bridge_replays_total',
    help: 'Handshakes by outcome: fresh (no cursor), replayed, resync (with the reason)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly refused = new Counter({ name: 'bridge_refused_handshakes_total', help: 'Sockets refused for want of a valid token', registers: [this.registry] });

  constructor() {
    // Known label values start at 0, so that the first push or replay counts in rate()/increase().
    for (const kind of ['task', 'notification']) {
      this.pushLatency.zero({ kind });
      for (const via of ['live', 'replay']) this.pushed.inc({ kind, via }, 0);
    }
    for (const outcome of ['fresh', 'replayed']) this.replays.inc({ outcome }, 0);
  }

  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }
}
