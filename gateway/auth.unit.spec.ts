// Token verification: HS256 only (plus RS256 when a JWKS is configured, see
// __tests__/auth.int.spec.ts), a usable subject, and a cache of verified tokens that never
// outlives a token's expiry.
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { createVerifier, signDevToken } from './auth.js';
import { UnauthorizedError } from '../platform/http-errors.js';

const secret = 'a-unit-test-secret-long-enough';
const refusedWith = (code: string) => (err: unknown) => err instanceof UnauthorizedError && err.code === code;

describe('gateway: token verification', () => {
  it('returns the subject of a valid HS256 token, from the cache the second time', async () => {
    let clock = Date.now();
    const verifier = createVerifier({ secret }, { now: () => clock });
    const token = await signDevToken('alice', secret, { expiresIn: '10m' });
    assert.equal(await verifier.verify(token), 'alice');
    clock += 60_000;
    assert.equal(await verifier.verify(token), 'alice');
  });

  it('refuses a cached token once it has expired', async () => {
    let clock = Date.now();
    const verifier = createVerifier({ secret }, { now: () => clock });
    const token = await signDevToken('alice', secret, { expiresIn: '1m' });
    assert.equal(await verifier.verify(token), 'alice');
    clock += 61_000;
    await assert.rejects(verifier.verify(token), refusedWith('TOKEN_EXPIRED'));
  });

  it('refuses other algorithms, other secrets, and unusable subjects', async () => {
    const verifier = createVerifier({ secret });
    const key = new TextEncoder().encode(secret);
    const hs384 = await new SignJWT({}).setProtectedHeader({ alg: 'HS384' }).setSubject('alice').setExpirationTime('5m').sign(key);
    await assert.rejects(verifier.verify(hs384), refusedWith('TOKEN_INVALID'));
    await assert.rejects(verifier.verify(await signDevToken('alice', `${secret}-other`)), refusedWith('TOKEN_INVALID'));
    await assert.rejects(verifier.verify(await signDevToken('alice:admin', secret)), refusedWith('TOKEN_INVALID'));
    await assert.rejects(verifier.verify('a.b.c'), refusedWith('TOKEN_INVALID'));
  });
});
