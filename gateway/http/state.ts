// What the gateway's middleware keep on ctx.state for the handlers after them.
import type { RouterContext, RouterMiddleware } from '@koa/router';
import type { Logger } from '../../platform/logger.js';

export interface GatewayState {
  /** Taken from x-correlation-id when valid, else generated; in the response and the event. */
  correlationId: string;
  /** W3C trace context of this request (a new span of the caller's trace, or a new trace). */
  traceparent: string;
  /** pino child bound to the correlation id (created on first use). */
  log: Logger;
  /** Adds bindings (e.g. the user id) to every later line of this request's logger. */
  bindLog: (bindings: Record<string, unknown>) => void;
  /** The JWT's `sub`, set by the auth middleware. */
  userId?: string;
  /** The raw request body as received, for the idempotency fingerprint. */
  rawBody?: string;
  /**
   * Set under an Idempotency-Key: what the request's new ids (task id, event ids) are derived
   * from, the same for every attempt of that request (gateway/idempotency.ts).
   */
  idSeed?: string;
}

export type GatewayContext = RouterContext<GatewayState>;
export type GatewayMiddleware = RouterMiddleware<GatewayState>;

/** The authenticated user; only called behind the auth middleware. */
export function userIdOf(ctx: GatewayContext): string {
  const { userId } = ctx.state;
  if (!userId) throw new Error('userIdOf called on a route without authentication');
  return userId;
}
