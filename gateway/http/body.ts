// JSON bodies for writes, refused at the door with the right status: a non-JSON content type
// 415, a body over the limit 413 (before reading it when Content-Length says so), bytes that are
// not UTF-8 or not JSON 400. The bytes are read with raw-body (after inflation for a compressed
// body) and decoded with a fatal UTF-8 decoder: a lenient one would turn an invalid byte into
// U+FFFD, and the task would be stored with a character its author never sent.
import inflate from 'inflation';
import type { Middleware } from 'koa';
import getRawBody from 'raw-body';
import { MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../platform/http-errors.js';
import type { GatewayState } from './state.js';

const WRITE_METHODS = ['POST', 'PUT', 'PATCH'];

const hasBody = (headers: Record<string, string | string[] | undefined>): boolean =>
  headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;

/** RFC 8259: JSON exchanged between systems is UTF-8. */
const UTF8 = new Set(['utf-8', 'utf8']);

export function jsonBody(limitBytes: number): Middleware<GatewayState> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

  return async (ctx, next) => {
    if (!WRITE_METHODS.includes(ctx.method) || !hasBody(ctx.req.headers)) {
      await next();
      return;
    }
    if (!ctx.is('application/json', '+json')) throw new UnsupportedMediaTypeError(ctx.get('content-type') || undefined);
    const charset = ctx.request.charset;
    if (charset && !UTF8.has(charset.toLowerCase())) throw new UnsupportedMediaTypeError(ctx.get('content-type'));
    if (Number(ctx.get('content-length') || 0) > limitBytes) throw new PayloadTooLargeError(limitBytes);

    let bytes: Buffer;
    try {
      const encoded = ctx.get('content-encoding') && ctx.get('content-encoding') !== 'identity';
      bytes = await getRawBody(inflate(ctx.req), { limit: limitBytes, ...(encoded ? {} : { length: ctx.get('content-length') || null }) });
    } catch (err) {
      // raw-body and inflation errors carry a `type`; each maps to its own client error.
      const type = (err as { type?: string }).type;
      if (type === 'entity.too.large') throw new PayloadTooLargeError(limitBytes);
      if (type === 'encoding.unsupported') throw new UnsupportedMediaTypeError(ctx.get('content-encoding'));
      throw new ValidationError('the request body was incomplete', { cause: err }, 'INCOMPLETE_BODY');
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch (err) {
      throw new MalformedJsonError('the request body is not valid UTF-8', { cause: err });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new MalformedJsonError(`the request body is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    // Strict JSON, as our API speaks it: an object (or an array), never a bare scalar.
    if (typeof body !== 'object' || body === null) throw new MalformedJsonError('the request body must be a JSON object');
    ctx.request.body = body;
    ctx.state.rawBody = text;
    await next();
  };
}

declare module 'koa' {
  interface Request {
    /** The parsed JSON body, set by jsonBody (as @koa/bodyparser declares it). */
    body?: unknown;
  }
}
