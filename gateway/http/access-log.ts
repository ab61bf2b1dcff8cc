// One JSON line per request, through the request's child logger (so it carries the
// correlation id), with the status the client finally got.
import type { Middleware } from 'koa';
import type { Logger } from '../../platform/logger.js';
import type { GatewayState } from './state.js';

export function accessLog(logger: Logger): Middleware<GatewayState> {
  return async (ctx, next) => {
    if (!logger.isLevelEnabled('info')) {
      await next();
      return;
    }
    const start = performance.now();
    try {
      await next();
    } finally {
      const ms = Math.round((performance.now() - start) * 10) / 10;
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      ctx.state.log.info({ method: ctx.method, path: ctx.path, route, status: ctx.status, ms }, 'request');
    }
  };
}
