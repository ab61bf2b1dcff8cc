// JSON bodies for writes, refused at the door with the right status: a non-JSON content type
// 415, a body over the limit 413 (before reading it when Content-Length says so), invalid JSON
// 400. Parsing itself is @koa/bodyparser's (co-body, raw-body) job.
import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors.js';
import type { GatewayState } from './state.js';

const WRITE_METHODS = ['POST', 'PUT', 'PATCH'];

const hasBody = (headers: Record<string, string | string[] | undefined>): boolean =>
  headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;

export function jsonBody(limitBytes: number): Middleware<GatewayState> {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: limitBytes,
    jsonStrict: true,
    parsedMethods: WRITE_METHODS,
    onError: (err) => {
      // co-body / raw-body errors carry a `type`; each maps to its own client error.
      const type = (err as { type?: string }).type;
      if (type === 'entity.too.large') throw new PayloadTooLargeError(limitBytes);
      if (type === 'encoding.unsupported' || type === 'charset.unsupported') throw new UnsupportedMediaTypeError(undefined);
      if (type === 'request.aborted' || type === 'request.size.invalid') {
        throw new ValidationError('the request body was incomplete', { cause: err }, 'INCOMPLETE_BODY');
      }
      throw new MalformedJsonError(`the request body is not valid JSON: ${err.message}`, { cause: err });
    },
  });

  return async (ctx, next) => {
    if (!WRITE_METHODS.includes(ctx.method) || !hasBody(ctx.req.headers)) {
      await next();
      return;
    }
    if (!ctx.is('application/json', '+json')) throw new UnsupportedMediaTypeError(ctx.get('content-type') || undefined);
    if (Number(ctx.get('content-length') || 0) > limitBytes) throw new PayloadTooLargeError(limitBytes);
    await parse(ctx, async () => {
      ctx.state.rawBody = (ctx.request as { rawBody?: string }).rawBody ?? '';
      await next();
    });
    return undefined;
  };
}
