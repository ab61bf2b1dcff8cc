// /openapi.json tells the truth: every route the router serves is in the document with the
// same method and path, and nothing else is; every operation documents its responses.
import assert from 'node:assert/strict';
import { createApp } from './app.js';
import { openApiPath } from './route-table.js';
import { fakeDeps } from './test/fakes.js';

/** Runs the real GET /openapi.json handler (synchronous) and returns its body. */
function openApiOf(app: ReturnType<typeof createApp>): Doc {
  const ctx = { body: undefined as unknown };
  void app.routes.find((r) => r.path === '/openapi.json')!.handler(ctx as never, () => Promise.resolve());
  return ctx.body as Doc;
}

type Doc = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters: { name: string; in: string }[]; requestBody?: unknown }>> };

describe('gateway: OpenAPI document', () => {
  const app = createApp(fakeDeps());
  const doc = openApiOf(app);

  it('lists exactly the routes the router serves', () => {
    const served = new Set<string>();
    for (const layer of app.router.stack) {
      for (const method of layer.methods) {
        // The router answers HEAD for every GET by itself; HTTP defines it, the document need not.
        if (method !== 'HEAD') served.add(`${method} ${openApiPath(String(layer.path))}`);
      }
    }
    const documented = new Set<string>();
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    assert.deepEqual([...documented].sort(), [...served].sort());
    assert.ok(served.size >= 12, `expected every route, got ${[...served].join(', ')}`);
    assert.ok(served.has('POST /v1/chat'), 'the chat is documented');
    assert.ok(served.has('GET /v1/tasks/{id}/history'), 'the history is documented');
  });

  it('documents each operation: path parameters, a body for writes, responses with errors', () => {
    assert.equal(doc.openapi, '3.1.0');
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          assert.ok(
            op.parameters.some((p) => p.in === 'path' && `{${p.name}}` === name),
            `${method} ${path}: path parameter ${name} undocumented`,
          );
        }
        assert.ok(Object.keys(op.responses).length > 0, `${method} ${path}: no responses`);
      }
    }
    const create = doc.paths['/v1/tasks']!.post!;
    assert.ok(create.requestBody, 'POST /v1/tasks documents its body');
    const body = JSON.stringify(create.requestBody);
    assert.match(body, /"additionalProperties":false/);
    assert.match(body, /"maxLength":500/);
    assert.ok(create.responses['201'] && create.responses['400'] && create.responses['401']);
  });
});
