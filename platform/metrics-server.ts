// The small HTTP server every process without a web framework answers its probes and scrapes
// with: GET /metrics (prom-client), and, when a readiness function is given, GET /readyz (200 or
// 503 with the reasons as JSON) and GET /healthz (the process answers). The stream processors
// serve it (streams/runtime) and so does the audit re-drive (connectors/redrive).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** What /readyz answers: ready, and why not. */
export interface Readiness {
  ready: boolean;
  [detail: string]: unknown;
}

/**
 * A request handler for GET /metrics, and, when `readiness` is given, GET /readyz (200 or 503
 * with the reasons as JSON) and GET /healthz (the process answers), for probes.
 */
export function metricsHandler(registry: Registry, readiness?: () => Readiness) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && readiness && (path === '/readyz' || path === '/healthz')) {
      const body = path === '/healthz' ? { alive: true } : readiness();
      const ok = path === '/healthz' || (body as Readiness).ready;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  };
}

/** A tiny server answering GET /metrics; port 0 picks a free port (see server.address()). */
export async function serveMetrics(registry: Registry, port: number, readiness?: () => Readiness): Promise<Server> {
  const server = createServer(metricsHandler(registry, readiness));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return server;
}
