// Correlation id and W3C trace context for every request: taken from the caller when well
// formed, generated otherwise, echoed in the response, bound to the request's logger, and
// later copied into the event and its Kafka headers.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../../platform/logger.js';
import type { GatewayState } from './state.js';

export const CORRELATION_HEADER = 'x-correlation-id';
/** Printable, no spaces, bounded: it ends up in logs, headers and an Avro string. */
const CORRELATION_ID = /^[A-Za-z0-9][A-Za-z0-9._:/=+-]{0,127}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function correlationIdFrom(header: string | undefined): string {
  return header && CORRELATION_ID.test(header) ? header : randomUUID();
}

// randomUUID draws from a pooled entropy buffer: much cheaper per request than randomBytes().
// Its version/variant nibbles make it slightly less random than 128 bits, plenty for ids.
const randomHex = (): string => randomUUID().replaceAll('-', '');

/** A new span in the caller's trace when its traceparent is valid, else a new sampled trace. */
export function traceparentFrom(header: string | undefined): string {
  const match = header ? TRACEPARENT.exec(header.trim()) : null;
  const traceId = match && !/^0+$/.test(match[1]!) ? match[1]! : randomHex();
  const flags = match?.[3] ?? '01';
  return `00-${traceId}-${randomHex().slice(0, 16)}-${flags}`;
}

/**
 * The request's logger is created on first use: most requests log nothing at the production
 * level, and a pino child per request is a measurable share of the gateway's CPU.
 */
function lazyLogger(state: GatewayState, logger: Logger, bindings: Record<string, unknown>): void {
  let child: Logger | undefined;
  Object.defineProperty(state, 'log', {
    configurable: true,
    enumerable: true,
    get: () => (child ??= logger.child(bindings)),
    set: (value: Logger) => (child = value),
  });
  state.bindLog = (more) => {
    if (child) child = child.child(more);
    else Object.assign(bindings, more);
  };
}

export function correlation(logger: Logger): Middleware<GatewayState> {
  return async (ctx, next) => {
    const correlationId = correlationIdFrom(ctx.get(CORRELATION_HEADER) || undefined);
    const traceparent = traceparentFrom(ctx.get('traceparent') || undefined);
    ctx.state.correlationId = correlationId;
    ctx.state.traceparent = traceparent;
    lazyLogger(ctx.state, logger, { correlationId, traceId: traceparent.slice(3, 35) });
    ctx.set('X-Correlation-Id', correlationId);
    ctx.set('traceparent', traceparent);
    await next();
  };
}
