// The browser client's path through a real gateway (wired as main.ts wires it, against the
// stack): dev sign-in hands out a token the API accepts, and the page and bundle are served.
// Dev sign-in without its flag, and in production, is covered by gateway/web-client.int.spec.ts.
import assert from 'node:assert/strict';
import { GatewayHarness } from '../../test/support/harness.js';

describe('gateway (stack): web client', function () {
  this.timeout(120_000);
  const harness = new GatewayHarness({ AUTH_DEV_LOGIN: '1' });

  before(() => harness.setup());
  after(() => harness.teardown());

  it('given AUTH_DEV_LOGIN=1, when a user signs in, then the token is accepted by the task API as that user', async () => {
    const login = await harness.request<{ token: string }>('POST', '/v1/dev/login', { body: { userId: 'web-alice' } });
    assert.equal(login.status, 200);
    const list = await harness.request<{ items: unknown[]; nextCursor: string | null }>('GET', '/v1/tasks?sort=priority', { token: login.body.token });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body, { items: [], nextCursor: null });
    const refused = await harness.request('GET', '/v1/tasks', { token: `${login.body.token}x` });
    assert.equal(refused.status, 401);
  });

  it('given a malformed user id, when it signs in, then it is 400 and no token is handed out', async () => {
    const res = await harness.request<{ error: { code: string }; token?: string }>('POST', '/v1/dev/login', { body: { userId: 'no spaces allowed' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    assert.equal(res.body.token, undefined);
  });

  it('given GET /, then the page references the bundle, which is served as JavaScript', async () => {
    const page = await harness.request('GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    const script = /<script type="module" src="(\/assets\/app-[A-Z0-9]+\.js)">/.exec(page.text)?.[1];
    assert.ok(script, 'the page names its bundle');
    const bundle = await harness.request('GET', script);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-type')!, /^text\/javascript/);
    assert.match(bundle.text, /\/v1\/tasks/);
  });

  it('given /openapi.json, then it documents dev sign-in and /config.json but not the page', async () => {
    const doc = await harness.request<{ paths: Record<string, unknown> }>('GET', '/openapi.json');
    assert.ok(doc.body.paths['/v1/dev/login']);
    assert.ok(doc.body.paths['/config.json']);
    assert.equal(doc.body.paths['/'], undefined);
  });
});
