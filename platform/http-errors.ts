// One error type per kind of failure, each knowing its HTTP status and a stable code that
// clients can branch on. Only http/error-handler.ts turns them into responses.

export type ErrorDetails = Record<string, unknown> | unknown[] | null;

export abstract class HttpError extends Error {
  abstract readonly status: number;
  readonly code: string;
  readonly details: ErrorDetails;
  /** Extra response headers (WWW-Authenticate, Allow, Retry-After). */
  readonly headers: Record<string, string>;

  constructor(code: string, message: string, { details = null, headers = {}, cause }: HttpErrorOptions = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }

  /** True for 4xx: the caller's mistake, logged at info level, never an alert. */
  get expose(): boolean {
    return this.status < 500;
  }
}

export interface HttpErrorOptions {
  details?: ErrorDetails;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class ValidationError extends HttpError {
  readonly status = 400;
  constructor(message: string, options?: HttpErrorOptions, code = 'VALIDATION_FAILED') {
    super(code, message, options);
  }
}

export class MalformedJsonError extends ValidationError {
  constructor(message = 'the request body is not valid JSON', options?: HttpErrorOptions) {
    super(message, options, 'MALFORMED_JSON');
  }
}

export type UnauthorizedCode = 'AUTH_REQUIRED' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED';

export class UnauthorizedError extends HttpError {
  readonly status = 401;
  constructor(code: UnauthorizedCode, message: string, options: HttpErrorOptions = {}) {
    super(code, message, { ...options, headers: { 'WWW-Authenticate': 'Bearer', ...options.headers } });
  }
}

/** Also what another user's task looks like: its existence is not revealed (never 403). */
export class NotFoundError extends HttpError {
  readonly status = 404;
  constructor(message = 'not found', options?: HttpErrorOptions, code = 'NOT_FOUND') {
    super(code, message, options);
  }
}

export class MethodNotAllowedError extends HttpError {
  readonly status = 405;
  constructor(allowed: string[]) {
    super('METHOD_NOT_ALLOWED', `method not allowed; use ${allowed.join(', ')}`, { headers: { Allow: allowed.join(', ') } });
  }
}

export type ConflictCode = 'VERSION_MISMATCH' | 'INVALID_TRANSITION' | 'ALREADY_EXISTS' | 'IDEMPOTENCY_IN_PROGRESS';

export class ConflictError extends HttpError {
  readonly status = 409;
  constructor(code: ConflictCode, message: string, options?: HttpErrorOptions) {
    super(code, message, options);
  }
}

export class PayloadTooLargeError extends HttpError {
  readonly status = 413;
  constructor(limitBytes: number) {
    super('PAYLOAD_TOO_LARGE', `the request body is larger than ${limitBytes} bytes`, { details: { limitBytes } });
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  readonly status = 415;
  constructor(got: string | undefined) {
    super('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json', { details: { contentType: got ?? null } });
  }
}

export class UnprocessableError extends HttpError {
  readonly status = 422;
  constructor(code: string, message: string, options?: HttpErrorOptions) {
    super(code, message, options);
  }
}

/** A dependency (database, registry) is down; the client may retry later. */
export class ServiceUnavailableError extends HttpError {
  readonly status = 503;
  constructor(message: string, options: HttpErrorOptions = {}) {
    super('SERVICE_UNAVAILABLE', message, { ...options, headers: { 'Retry-After': '5', ...options.headers } });
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetails };
}

export const errorBody = (code: string, message: string, details: ErrorDetails = null): ErrorBody => ({
  error: { code, message, details },
});
