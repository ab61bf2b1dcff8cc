// The one place where failures become HTTP answers: an HttpError keeps its status and code; a
// route or method that does not exist gets a JSON 404/405; anything else is a bug or an outage,
// answered 500 with the correlation id and logged with its stack. Client mistakes never reach
// the 500 branch: they are HttpErrors thrown at the door.
import type { Middleware } from 'koa';
import { HttpError, errorBody, type ErrorDetails } from '../../platform/http-errors.js';
import type { GatewayState } from './state.js';

export function errorHandler(): Middleware<GatewayState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.body == null && ctx.status === 404) {
        ctx.status = 404;
        ctx.body = errorBody('ROUTE_NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      } else if (ctx.body == null && ctx.status === 405) {
        const allow = ctx.response.get('Allow');
        ctx.status = 405;
        ctx.body = errorBody('METHOD_NOT_ALLOWED', `method ${ctx.method} not allowed; use ${allow}`, { allow: allow.split(/,\s*/) });
      }
    } catch (err) {
      if (err instanceof HttpError) {
        respond(ctx, err.status, err.code, err.message, err.details, err.headers);
        ctx.state.log.info({ status: err.status, code: err.code, details: err.details }, err.message);
        return;
      }
      // A 4xx from a library (an http-errors instance) that slipped past our own checks: still
      // the client's mistake, answered as such rather than as a 500.
      const status = (err as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: unknown }).expose) {
        respond(ctx, status, 'BAD_REQUEST', (err as Error).message, null, {});
        ctx.state.log.info({ status, err }, 'client error from a library');
        return;
      }
      const { correlationId } = ctx.state;
      ctx.state.log.error({ err, method: ctx.method, path: ctx.path }, 'unhandled error');
      respond(ctx, 500, 'INTERNAL', `internal error; quote correlation id ${correlationId}`, { correlationId }, {});
    }
  };
}

function respond(
  ctx: Parameters<Middleware<GatewayState>>[0],
  status: number,
  code: string,
  message: string,
  details: ErrorDetails,
  headers: Record<string, string>,
): void {
  ctx.status = status;
  for (const [name, value] of Object.entries(headers)) ctx.set(name, value);
  ctx.body = errorBody(code, message, details);
}
