// /openapi.json, generated from the route declarations and their zod schemas (z.toJSONSchema),
// so the document describes exactly the validation the routes run.
import { z } from 'zod';
import { openApiPath, type RouteSpec } from './route-table.js';

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  // Transforms (ISO text → epoch ms, tag normalisation) are described by their input side.
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as Json;
  delete json.$schema;
  return json;
}

function parameters(route: RouteSpec): Json[] {
  const params: Json[] = [];
  for (const name of route.path.match(/:([A-Za-z0-9_]+)/g) ?? []) {
    params.push({ name: name.slice(1), in: 'path', required: true, schema: { type: 'string' } });
  }
  if (route.query) {
    const query = schemaOf(route.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      params.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema });
    }
  }
  for (const header of route.headers ?? []) {
    params.push({ name: header.name, in: 'header', required: header.required ?? false, description: header.description, schema: { type: 'string' } });
  }
  return params;
}

export function buildOpenApi(routes: RouteSpec[], info: { title: string; version: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const responses: Record<string, Json> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { 'application/json': { schema: schemaOf(response.schema, 'output') } } } : {}),
        ...(response.headers
          ? { headers: Object.fromEntries(Object.entries(response.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) }
          : {}),
      };
    }
    const operation: Json = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      parameters: parameters(route),
      ...(route.body ? { requestBody: { required: route.method !== 'post' || route.operationId === 'createTask', content: { 'application/json': { schema: schemaOf(route.body, 'input') } } } } : {}),
      responses,
      security: route.auth ? [{ bearer: [] }] : [],
    };
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { ...info, description: 'todo-stream HTTP API: every write becomes one event on Kafka; reads come from the materialized views.' },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}
