// Prints /openapi.json as the gateway serves it, without a stack (every route, over in-process
// fakes and collections no handler is asked to touch), for the OpenAPI linter in `make test`
// (make openapi-lint).
import { createApp } from './app.js';
import { taskListRoute } from './routes/task-list.js';
import { fakeDeps } from './test/fakes.js';

const never = {} as never;
const app = createApp(fakeDeps({ notifications: never, extraRoutes: [taskListRoute({ tasks: never })] }));
const ctx = { body: undefined as unknown };
await app.routes.find((r) => r.path === '/openapi.json')!.handler(ctx as never, () => Promise.resolve());
process.stdout.write(`${JSON.stringify(ctx.body, null, 2)}\n`);
