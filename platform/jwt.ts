// Bearer JWT verification with jose, for both servers (the gateway's middleware, the bridge's
// handshake): HS256 with a shared secret locally, RS256 against a JWKS endpoint when one is
// configured. Only those two algorithms are ever accepted: a token that
// names another (none, HS512, an RS256 token when no JWKS is set) is refused, as is one whose
// `sub` is not a usable user id.
import { createSecretKey } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { UnauthorizedError } from './http-errors.js';

export interface AuthConfig {
  secret: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export interface TokenVerifier {
  /** The user id (`sub`) of a valid token; throws UnauthorizedError otherwise. */
  verify(token: string): Promise<string>;
}

/** User ids become Kafka keys and parts of database ids: printable, bounded, no separators. */
export const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

/**
 * Verified tokens by their exact text, until they expire: a client sends the same token with
 * every request, and checking its signature again each time (tens of microseconds) was the
 * gateway's biggest per-request cost. Only tokens that passed every check are kept, so a
 * cached entry is exactly as trustworthy as the first verification.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { sub: string; expiresAt: number }>();
  constructor(private readonly max = 10_000) {}

  get(token: string, now: number): string | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.sub;
  }

  set(token: string, sub: string, expiresAt: number): void {
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { sub, expiresAt });
  }
}

export function createVerifier(config: AuthConfig, { now = Date.now, cacheSize = 10_000 } = {}): TokenVerifier {
  // Imported once as a KeyObject: jose would otherwise import the raw bytes on every call.
  const secret = createSecretKey(Buffer.from(config.secret, 'utf8'));
  const verified = new VerifiedTokens(cacheSize);
  const jwks = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl)) : null;
  const claims = () => ({
    currentDate: new Date(now()),
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
  });

  return {
    async verify(token) {
      const known = verified.get(token, now());
      if (known) return known;
      let alg: string | undefined;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        throw new UnauthorizedError('TOKEN_INVALID', 'the bearer token is not a JWT');
      }
      let payload: JWTPayload;
      try {
        if (alg === 'HS256') {
          ({ payload } = await jwtVerify(token, secret, { ...claims(), algorithms: ['HS256'] }));
        } else if (alg === 'RS256' && jwks) {
          ({ payload } = await jwtVerify(token, jwks, { ...claims(), algorithms: ['RS256'] }));
        } else {
          throw new UnauthorizedError('TOKEN_INVALID', `tokens signed with ${alg ?? 'no algorithm'} are not accepted`);
        }
      } catch (err) {
        throw toUnauthorized(err);
      }
      const sub = payload.sub;
      if (typeof sub !== 'string' || !USER_ID.test(sub)) {
        throw new UnauthorizedError('TOKEN_INVALID', 'the token has no usable subject (sub)');
      }
      // Without exp a token is never cached: it would be trusted for as long as the process lives.
      if (typeof payload.exp === 'number') verified.set(token, sub, payload.exp * 1000);
      return sub;
    },
  };
}

function toUnauthorized(err: unknown): UnauthorizedError {
  if (err instanceof UnauthorizedError) return err;
  if (err instanceof joseErrors.JWTExpired) return new UnauthorizedError('TOKEN_EXPIRED', 'the token has expired');
  if (err instanceof joseErrors.JOSEError) {
    return new UnauthorizedError('TOKEN_INVALID', `the token was refused (${err.code})`);
  }
  // JWKS endpoint unreachable and similar: still no valid identity, so 401, with the cause kept.
  return new UnauthorizedError('TOKEN_INVALID', 'the token could not be verified', { cause: err });
}

/** An HS256 token for local development and tests. */
export async function signDevToken(
  userId: string,
  secret: string,
  { expiresIn = '12h', issuer, audience }: { expiresIn?: string | number; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(userId).setIssuedAt().setExpirationTime(expiresIn);
  if (issuer) jwt = jwt.setIssuer(issuer);
  if (audience) jwt = jwt.setAudience(audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
