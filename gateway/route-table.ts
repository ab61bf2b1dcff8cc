// A route is declared once, with what /openapi.json says about it, and app.ts mounts it from
// the same declaration: the router and the document cannot disagree about what exists
// (gateway/openapi.unit.spec.ts also compares the mounted router with the document).
import type { z } from 'zod';
import type { GatewayMiddleware } from './http/state.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  headers?: Record<string, string>;
}

export interface HeaderSpec {
  name: string;
  description: string;
  required?: boolean;
  /** The header value's JSON Schema in /openapi.json (default: any string). */
  schema?: Record<string, unknown>;
  /**
   * Answers the header itself can cause, on every route that accepts it (the middleware that
   * reads it answers them, not the route): documented unless the route documents that status.
   */
  responses?: Record<number, ResponseSpec>;
}

export interface RouteSpec {
  method: Method;
  /** Koa path syntax, e.g. /v1/tasks/:id */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Requires a bearer token. */
  auth: boolean;
  /** Accepts Idempotency-Key (every write does). */
  write?: boolean;
  body?: z.ZodType;
  /** Query parameters as a zod object. */
  query?: z.ZodObject;
  headers?: HeaderSpec[];
  responses: Record<number, ResponseSpec>;
  handler: GatewayMiddleware;
}

/** `/v1/tasks/:id` → `/v1/tasks/{id}` */
export const openApiPath = (koaPath: string): string => koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
