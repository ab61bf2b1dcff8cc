// /openapi.json, generated from the route declarations and their zod schemas (z.toJSONSchema),
// so the document describes exactly the validation the routes run.
import { z } from 'zod';
import { refusalsOf } from './refusals.js';
import { openApiPath, type RouteSpec } from './route-table.js';

type Json = Record<string, unknown>;

/**
 * Named schemas (`.meta({ id })`: Task, Error, ...) go to components.schemas, once, and every
 * reference points there. z.toJSONSchema puts them in a `$defs` beside each schema and refers
 * to them as `#/$defs/…`, which inside an OpenAPI document resolves against the document root:
 * generated clients and fuzzers skipped every operation that used one.
 */
class Components {
  readonly schemas: Record<string, Json> = {};

  schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
    // Transforms (ISO text → epoch ms, tag normalisation) are described by their input side.
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as Json;
    delete json.$schema;
    const defs = (json.$defs ?? {}) as Record<string, Json>;
    delete json.$defs;
    // The input side of a named schema can differ from its output side (defaults, transforms):
    // then it is kept apart as <Name>Input.
    const names = new Map<string, string>();
    for (const [name, def] of Object.entries(defs)) {
      const same = this.schemas[name] === undefined || JSON.stringify(this.schemas[name]) === JSON.stringify(relink(def, new Map()));
      names.set(name, same || io === 'output' ? name : `${name}Input`);
    }
    for (const [name, def] of Object.entries(defs)) this.schemas[names.get(name)!] = relink(def, names);
    return relink(json, names);
  }
}

/** Rewrites `#/$defs/X` to `#/components/schemas/<names[X] ?? X>`. */
function relink(node: Json, names: Map<string, string>): Json {
  return JSON.parse(
    JSON.stringify(node).replace(/"#\/\$defs\/([^"]+)"/g, (_, name: string) => `"#/components/schemas/${names.get(name) ?? name}"`),
  ) as Json;
}

function parameters(route: RouteSpec, components: Components): Json[] {
  const params: Json[] = [];
  for (const name of route.path.match(/:([A-Za-z0-9_]+)/g) ?? []) {
    params.push({ name: name.slice(1), in: 'path', required: true, schema: { type: 'string' } });
  }
  if (route.query) {
    const query = components.schemaOf(route.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      params.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema });
    }
  }
  for (const header of route.headers ?? []) {
    params.push({ name: header.name, in: 'header', required: header.required ?? false, description: header.description, schema: header.schema ?? { type: 'string' } });
  }
  return params;
}

export function buildOpenApi(routes: RouteSpec[], info: { title: string; version: string }): Json {
  const components = new Components();
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const responses: Record<string, Json> = {};
    const fromHeaders = (route.headers ?? []).flatMap((h) => Object.entries(h.responses ?? {}));
    for (const [status, response] of [...Object.entries(route.responses), ...fromHeaders]) {
      if (responses[status]) continue;
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { 'application/json': { schema: components.schemaOf(response.schema, 'output') } } } : {}),
        ...(response.headers
          ? { headers: Object.fromEntries(Object.entries(response.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) }
          : {}),
      };
    }
    // Refusals a schema cannot state (gateway/refusals.ts): named on the operation and in the
    // words of their status's response.
    const refusals = refusalsOf(route.operationId, (route.headers ?? []).some((h) => h.name === 'Idempotency-Key'));
    for (const refusal of refusals) {
      const response = responses[refusal.status];
      if (!response) throw new Error(`${route.operationId}: refuses with ${refusal.status} (${refusal.code}) but does not document it`);
      response.description = `${String(response.description)} Also, beyond the schema: ${refusal.rule} (${refusal.code}).`;
    }
    const operation: Json = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      parameters: parameters(route, components),
      ...(route.body ? { requestBody: { required: route.method !== 'post' || route.operationId === 'createTask' || route.operationId === 'chat', content: { 'application/json': { schema: components.schemaOf(route.body, 'input') } } } } : {}),
      responses,
      security: route.auth ? [{ bearer: [] }] : [],
      ...(refusals.length > 0 ? { 'x-refusals': refusals } : {}),
    };
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { ...info, description: 'todo-stream HTTP API: every write becomes one event on Kafka; reads come from the materialized views.' },
    servers: [{ url: '/' }],
    components: { schemas: components.schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}
