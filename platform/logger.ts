// JSON logs on stdout (pino). Requests log through a child carrying their correlation id, so
// every line a request causes can be found with one query.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = 'info', base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'gateway', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Never log credentials, even when a request object is logged whole by mistake.
    redact: ['req.headers.authorization', 'headers.authorization'],
  });
}
