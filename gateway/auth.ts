// Bearer JWT authentication for the gateway's routes: the verification itself (HS256 locally,
// RS256 against a JWKS) is platform/jwt.ts, shared with the bridge's handshake.
import { UnauthorizedError } from '../platform/http-errors.js';
import { createVerifier, signDevToken, USER_ID, type AuthConfig, type TokenVerifier } from '../platform/jwt.js';
import type { GatewayMiddleware } from './http/state.js';

export { createVerifier, signDevToken, USER_ID, type AuthConfig, type TokenVerifier };

export function authenticate(verifier: TokenVerifier): GatewayMiddleware {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new UnauthorizedError('AUTH_REQUIRED', header ? 'use Authorization: Bearer <token>' : 'a bearer token is required');
    }
    const userId = await verifier.verify(match[1]!);
    ctx.state.userId = userId;
    ctx.state.bindLog({ userId });
    await next();
  };
}
