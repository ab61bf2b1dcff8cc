// Operations: liveness, readiness with per-dependency detail, Prometheus metrics that count what
// happened, the OpenAPI document over HTTP, and the error contract for failures that are not
// the client's (500 with a correlation id, 503 when a dependency is down).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoNetworkError } from 'mongodb';
import { uniqueName } from '../../test/support/stack-env.js';
import { createApp } from '../app.js';
import { signDevToken, createVerifier } from '../auth.js';
import { DEV_JWT_SECRET } from '../config.js';
import { db } from '../db.js';
import { fakeDeps } from '../test/fakes.js';
import { GatewayHarness } from '../../test/support/harness.js';

describe('gateway: operations (real stack)', function () {
  this.timeout(90_000);
  const h = new GatewayHarness();
  before(async () => {
    await h.setup();
  });
  after(() => h.teardown());

  it('GET /healthz answers while the process lives', async () => {
    const res = await h.request('GET', '/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  it('GET /readyz checks broker, registry, database and read-your-writes, each with its timing', async () => {
    const res = await h.request<{ status: string; checks: Record<string, { ok: boolean; ms: number }> }>('GET', '/readyz');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'ready');
    assert.deepEqual(Object.keys(res.body.checks).sort(), ['broker', 'database', 'registry', 'view-changes']);
    for (const check of Object.values(res.body.checks)) assert.equal(check.ok, true);
  });

  it('GET /metrics counts requests by route and status, latency, produced events and the outbox', async () => {
    const user = uniqueName('metrics');
    const created = await h.request('POST', '/v1/tasks', { user, body: { title: 'counted' }, headers: { prefer: 'respond-async' } });
    assert.equal(created.status, 202);
    await h.request('POST', '/v1/tasks', { user, body: { title: '' } });
    const res = await h.request('GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(res.text, /gateway_http_requests_total\{route="\/v1\/tasks",method="POST",status="202"\} 1/);
    assert.match(res.text, /gateway_http_requests_total\{route="\/v1\/tasks",method="POST",status="400"\} 1/);
    assert.match(res.text, /gateway_http_request_duration_seconds_bucket\{le="0.1",route="\/v1\/tasks",method="POST"\} \d+/);
    assert.match(res.text, new RegExp(`gateway_events_produced_total\\{topic="${h.topic('task-events').replace(/\./g, '\\.')}",via="direct"\\} 1`));
    assert.match(res.text, /gateway_outbox_depth 0/);
  });

  it('GET /openapi.json serves the document', async () => {
    const res = await h.request<{ openapi: string; paths: Record<string, unknown> }>('GET', '/openapi.json');
    assert.equal(res.status, 200);
    assert.equal(res.body.openapi, '3.1.0');
    assert.ok(res.body.paths['/v1/tasks/{id}']);
  });
});

describe('gateway: failures that are not the client’s (in-process fakes)', () => {
  let server: Server;
  let url = '';
  const token = () => signDevToken('carol', DEV_JWT_SECRET);

  before(async () => {
    const app = createApp(
      fakeDeps({
        verifier: createVerifier({ secret: DEV_JWT_SECRET }),
        tasks: {
          get: (_user, id) =>
            id === 'db-down'
              ? db('read task', () => Promise.reject(new MongoNetworkError('connection refused')))
              : Promise.reject(new Error('a bug')),
        },
        checks: [
          { name: 'broker', check: () => Promise.resolve() },
          { name: 'registry', check: () => Promise.reject(new Error('connection refused')) },
          { name: 'database', check: () => new Promise(() => undefined) },
        ],
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers an unexpected error with 500, code INTERNAL and the correlation id', async () => {
    const res = await fetch(`${url}/v1/tasks/some-task`, { headers: { authorization: `Bearer ${await token()}`, 'x-correlation-id': 'trace-me-1' } });
    assert.equal(res.status, 500);
    const body = (await res.json()) as { error: { code: string; message: string; details: { correlationId: string } } };
    assert.equal(body.error.code, 'INTERNAL');
    assert.equal(body.error.details.correlationId, 'trace-me-1');
    assert.doesNotMatch(body.error.message, /a bug/, 'internals are logged, not told');
  });

  it('answers a database outage with 503 SERVICE_UNAVAILABLE and Retry-After', async () => {
    const res = await fetch(`${url}/v1/tasks/db-down`, { headers: { authorization: `Bearer ${await token()}` } });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '5');
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'SERVICE_UNAVAILABLE');
  });

  it('reports 503 from /readyz naming the dependency that failed or did not answer', async () => {
    const res = await fetch(`${url}/readyz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean; error?: string }> };
    assert.equal(body.status, 'unready');
    assert.equal(body.checks.broker?.ok, true);
    assert.equal(body.checks.registry?.ok, false);
    assert.match(body.checks.registry?.error ?? '', /connection refused/);
    assert.match(body.checks.database?.error ?? '', /no answer within/);
  });
});
