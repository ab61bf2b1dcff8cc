// The two API routes the browser client (web/) needs besides the task API: GET /config.json (where
// the bridge is, whether dev sign-in exists) and POST /v1/dev/login (a token for any user id,
// mounted only when AUTH_DEV_LOGIN=1, so without it the path is a plain 404 like any unknown route).
// The page and its assets are not API routes: web-assets.ts serves them outside the route table.
import { z } from 'zod';
import { signDevToken, USER_ID } from '../auth.js';
import type { GatewayConfig } from '../config.js';
import type { GatewayContext } from '../http/state.js';
import type { RouteSpec } from '../route-table.js';
import { parseBody } from '../validation.js';
import { ErrorSchema } from './common.js';

export type WebClientConfig = Pick<GatewayConfig, 'devLogin' | 'bridgePort' | 'bridgePublicUrl' | 'jwt'>;

export const DevLoginBody = z.strictObject({
  userId: z.string().regex(USER_ID, 'a user id is 1 to 128 letters, digits or ._@+- and starts with a letter or digit'),
});

const ClientConfigSchema = z
  .object({
    bridgeUrl: z.url().meta({ description: 'the Socket.IO bridge, as the browser reaches it' }),
    devLogin: z.boolean().meta({ description: 'POST /v1/dev/login is available' }),
  })
  .meta({ id: 'ClientConfig' });

/** BRIDGE_PUBLIC_URL, or the host the page came from on the bridge's port (local setups). */
export function bridgeUrlFor(config: Pick<WebClientConfig, 'bridgePort' | 'bridgePublicUrl'>, ctx: Pick<GatewayContext, 'protocol' | 'hostname'>): string {
  return config.bridgePublicUrl ?? `${ctx.protocol}://${ctx.hostname || 'localhost'}:${config.bridgePort}`;
}

export function webClientRoutes(config: WebClientConfig): RouteSpec[] {
  const routes: RouteSpec[] = [
    {
      method: 'get',
      path: '/config.json',
      operationId: 'clientConfig',
      summary: 'Settings for the browser client',
      tag: 'web client',
      auth: false,
      responses: { 200: { description: 'where the bridge is; whether dev sign-in is on', schema: ClientConfigSchema } },
      handler: (ctx) => {
        ctx.set('Cache-Control', 'no-cache');
        ctx.body = { bridgeUrl: bridgeUrlFor(config, ctx), devLogin: config.devLogin };
      },
    },
  ];
  if (config.devLogin) {
    routes.push({
      method: 'post',
      path: '/v1/dev/login',
      operationId: 'devLogin',
      summary: 'A token for any user id (local development only, AUTH_DEV_LOGIN=1)',
      description: 'Absent (404) unless the gateway runs with AUTH_DEV_LOGIN=1, which it refuses when NODE_ENV=production.',
      tag: 'web client',
      auth: false,
      body: DevLoginBody,
      responses: {
        200: { description: 'a bearer token for the user, valid 12 h', schema: z.object({ token: z.string() }) },
        400: { description: 'invalid user id (VALIDATION_FAILED) or body', schema: ErrorSchema },
      },
      handler: async (ctx) => {
        const { userId } = parseBody(DevLoginBody, ctx.request.body);
        const { secret, issuer, audience } = config.jwt;
        const token = await signDevToken(userId, secret, { expiresIn: '12h', ...(issuer ? { issuer } : {}), ...(audience ? { audience } : {}) });
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { token };
      },
    });
  }
  return routes;
}
