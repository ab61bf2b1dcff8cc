// RS256 through a JWKS endpoint (a local one, served on port 0): a token signed by a key the
// endpoint publishes is accepted, one signed by any other key is not, and HS256 dev tokens keep
// working beside it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createApp } from '../app.js';
import { createVerifier, signDevToken } from '../auth.js';
import { fakeDeps } from '../test/fakes.js';

describe('gateway: RS256 tokens via JWKS', () => {
  const servers: Server[] = [];
  let gateway = '';
  const secret = 'a-test-secret-that-is-long-enough';
  let sign: (sub: string, kid?: string) => Promise<string>;
  let signWithOtherKey: (sub: string) => Promise<string>;

  const listen = async (server: Server) => {
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  before(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const jwks = await listen(createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }))));
    sign = (sub, kid = 'k1') => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid }).setSubject(sub).setIssuer('idp').setExpirationTime('5m').sign(privateKey);
    signWithOtherKey = (sub) => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject(sub).setIssuer('idp').setExpirationTime('5m').sign(other.privateKey);

    const app = createApp(
      fakeDeps({
        verifier: createVerifier({ secret, jwksUrl: `${jwks}/.well-known/jwks.json`, issuer: 'idp' }),
        settings: { get: () => Promise.resolve(null) },
      }),
    );
    const handle = app.callback();
    gateway = await listen(createServer((req, res) => void handle(req, res)));
  });
  after(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  const status = async (token: string) =>
    (await fetch(`${gateway}/v1/me/settings`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('accepts a token signed by a published key', async () => {
    assert.equal(await status(await sign('dave')), 200);
  });

  it('refuses a token signed by another key, or naming an unknown key', async () => {
    assert.equal(await status(await signWithOtherKey('dave')), 401);
    assert.equal(await status(await sign('dave', 'unknown-kid')), 401);
  });

  it('still accepts HS256 dev tokens, with the configured issuer', async () => {
    assert.equal(await status(await signDevToken('dave', secret, { issuer: 'idp' })), 200);
    assert.equal(await status(await signDevToken('dave', secret, { issuer: 'someone-else' })), 401);
  });
});
