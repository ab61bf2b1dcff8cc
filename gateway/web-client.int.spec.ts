// The browser client's side of the gateway without a stack: dev sign-in only behind its flag
// (never in production), /config.json, and the page and bundle served with the right types and
// cache headers. The app runs in-process on a loopback port with stand-in dependencies.
import assert from 'node:assert/strict';
import { get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { createVerifier } from './auth.js';
import { ConfigError, loadConfig, type GatewayConfig } from './config.js';
import { webClientRoutes } from './routes/web-client.js';
import { fakeDeps } from './test/fakes.js';
import { buildWebAssets, serveWebAssets } from './web-assets.js';

async function serve(config: GatewayConfig): Promise<{ url: string; server: Server }> {
  const assets = await buildWebAssets({ production: false });
  const app = createApp(
    fakeDeps({
      verifier: createVerifier(config.jwt),
      extraRoutes: webClientRoutes(config),
      webClient: serveWebAssets(assets, { bridgeUrl: () => 'http://localhost:8090' }),
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A GET with exactly these headers (fetch adds Cache-Control to conditional requests and cannot set Host). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    }).on('error', reject);
  });
}

const login = (url: string, body: unknown) =>
  fetch(`${url}/v1/dev/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('gateway: web client', () => {
  describe('configuration', () => {
    it('given no AUTH_DEV_LOGIN, then dev sign-in is off', () => {
      assert.equal(loadConfig({}).devLogin, false);
      assert.equal(loadConfig({ AUTH_DEV_LOGIN: '1' }).devLogin, true);
    });

    it('given NODE_ENV=production and AUTH_DEV_LOGIN=1, then start-up fails naming the variable', () => {
      assert.throws(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'a-real-production-secret', AUTH_DEV_LOGIN: '1' }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /AUTH_DEV_LOGIN/);
        return true;
      });
    });
  });

  describe('without AUTH_DEV_LOGIN', () => {
    let running: { url: string; server: Server };
    before(async () => {
      running = await serve(loadConfig({}));
    });
    after(() => running.server.close());

    it('given a dev login request, then it is 404 like any unknown route', async () => {
      const res = await login(running.url, { userId: 'alice' });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ROUTE_NOT_FOUND');
    });

    it('given a request for /config.json, then it names the bridge and says dev sign-in is off', async () => {
      const res = await rawGet(`${running.url}/config.json`, { host: 'todo.example:8080' });
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), { bridgeUrl: 'http://todo.example:8090', devLogin: false });
    });
  });

  describe('with AUTH_DEV_LOGIN=1', () => {
    const config = loadConfig({ AUTH_DEV_LOGIN: '1', BRIDGE_PUBLIC_URL: 'https://live.todo.example' });
    let running: { url: string; server: Server };
    before(async () => {
      running = await serve(config);
    });
    after(() => running.server.close());

    it('given a valid user id, then the token it mints is accepted by the gateway’s verifier as that user', async () => {
      const res = await login(running.url, { userId: 'alice@example.com' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const { token } = (await res.json()) as { token: string };
      assert.equal(await createVerifier(config.jwt).verify(token), 'alice@example.com');
    });

    it('given a user id the gateway would refuse, then it is 400 VALIDATION_FAILED', async () => {
      for (const userId of ['', 'has space', 'a:b', '-leading-dash', 'x'.repeat(129)]) {
        const res = await login(running.url, { userId });
        assert.equal(res.status, 400, userId);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED');
      }
    });

    it('given BRIDGE_PUBLIC_URL, then /config.json names it and says dev sign-in is on', async () => {
      assert.deepEqual(await (await fetch(`${running.url}/config.json`)).json(), { bridgeUrl: 'https://live.todo.example', devLogin: true });
    });
  });

  describe('the page and its assets', () => {
    let running: { url: string; server: Server };
    before(async () => {
      running = await serve(loadConfig({}));
    });
    after(() => running.server.close());

    it('given GET /, then it is HTML revalidated on each load, referencing the hashed bundle and stylesheet', async () => {
      const res = await fetch(`${running.url}/`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /^text\/html; charset=utf-8/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.match(res.headers.get('content-security-policy')!, /connect-src 'self' http:\/\/localhost:8090 ws:\/\/localhost:8090/);
      const html = await res.text();
      assert.match(html, /<script type="module" src="\/assets\/app-[A-Z0-9]+\.js"><\/script>/);
      assert.match(html, /<link rel="stylesheet" href="\/assets\/styles-[A-Z0-9]+\.css" \/>/);
      const again = await rawGet(`${running.url}/`, { 'if-none-match': res.headers.get('etag')! });
      assert.equal(again.status, 304);
    });

    it('given the bundle and stylesheet the page names, then they are JavaScript and CSS cached for good', async () => {
      const html = await (await fetch(`${running.url}/`)).text();
      const script = /src="(\/assets\/app-[A-Z0-9]+\.js)"/.exec(html)![1]!;
      const stylesheet = /href="(\/assets\/styles-[A-Z0-9]+\.css)"/.exec(html)![1]!;
      const js = await fetch(running.url + script);
      assert.equal(js.status, 200);
      assert.match(js.headers.get('content-type')!, /^text\/javascript; charset=utf-8/);
      assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.match(await js.text(), /data-task-id/);
      const css = await fetch(running.url + stylesheet);
      assert.match(css.headers.get('content-type')!, /^text\/css/);
      assert.match(await css.text(), /#connection/);
    });

    it('given an asset that does not exist, then it is the API’s JSON 404', async () => {
      const res = await fetch(`${running.url}/assets/app-OLD.js`);
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ROUTE_NOT_FOUND');
    });
  });
});
