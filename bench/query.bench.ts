// GET /v1/tasks at 10,000 tasks of one user: search + two filters + sort, p95 through the HTTP
// endpoint beside the same finds sent directly with the driver, interleaved in the same run so
// both see the same database load. Targets (issue 4): HTTP p95 < 50 ms, ratio < 1.5.
//   npx tsx bench/query.bench.ts [tasks=10000] [iterations=100]
// Uses its own collection (dropped at the end) with the indexes the list plans need.
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import Koa from 'koa';
import { MongoClient, type Document, type Filter, type Sort } from 'mongodb';
import { errorHandler } from '../gateway/http/error-handler.js';
import type { GatewayState } from '../gateway/http/state.js';
import { createLogger } from '../platform/logger.js';
import { generateTasks } from '../gateway/routes/task-list.fixtures.js';
import { TASK_LIST_PROJECTION, taskListRoutes } from '../gateway/routes/task-list.js';
import { parseTaskListQuery, planTaskList } from '../gateway/task-query.js';
import { TASK_INDEXES } from '../views/task-view.js';
import { stackEnv, uniqueName } from '../test/support/stack-env.js';

const taskCount = Number(process.argv[2] ?? 10_000);
const iterations = Number(process.argv[3] ?? 100);
const warmup = 5;
const userId = 'bench-user';
// Search + two filters + sort: the kind of list a user opens all day.
const query = { q: 'report', status: 'pending', tag: 'work', sort: 'dueAt', limit: '50' };

const client = await MongoClient.connect(stackEnv.mongoUrl);
const tasks = client.db().collection<Document>(uniqueName('bench-tasks-list'));
const log = createLogger('silent');
let server: ReturnType<Koa['listen']> | undefined;

try {
  const docs = generateTasks({ userId, count: taskCount, seed: 42 });
  let t = performance.now();
  for (let i = 0; i < docs.length; i += 1_000) await tasks.insertMany(docs.slice(i, i + 1_000) as unknown as Document[]);
  const insertMs = performance.now() - t;
  for (const index of TASK_INDEXES) await tasks.createIndexes([index]);

  const app = new Koa<GatewayState>();
  app.use(async (ctx, next) => {
    ctx.state.log = log;
    ctx.state.correlationId = 'bench';
    ctx.state.userId = userId; // stands in for the JWT middleware, which is not measured here
    await next();
  });
  app.use(errorHandler());
  app.use(taskListRoutes({ tasks }).routes());
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/tasks?${new URLSearchParams(query).toString()}`;

  const plan = planTaskList(userId, parseTaskListQuery(query));
  let httpItems = 0;
  let driverItems = 0;
  const viaHttp = async () => {
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    httpItems = ((await res.json()) as { items: unknown[] }).items.length;
  };
  // The same finds the endpoint sends, straight through the driver.
  const viaDriver = async () => {
    const found: Document[] = [];
    for (const step of plan.steps) {
      const wanted = plan.limit + 1 - found.length;
      if (wanted <= 0) break;
      found.push(
        ...(await tasks.find(step.filter as Filter<Document>, { sort: step.sort as Sort, limit: wanted, projection: TASK_LIST_PROJECTION }).toArray()),
      );
    }
    driverItems = Math.min(found.length, plan.limit);
  };
  const time = async (fn: () => Promise<void>) => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };

  for (let i = 0; i < warmup; i++) {
    await viaHttp();
    await viaDriver();
  }
  const http: number[] = [];
  const driver: number[] = [];
  t = performance.now();
  for (let i = 0; i < iterations; i++) {
    // Alternate which goes first, so neither always runs on a warmer cache.
    if (i % 2 === 0) {
      http.push(await time(viaHttp));
      driver.push(await time(viaDriver));
    } else {
      driver.push(await time(viaDriver));
      http.push(await time(viaHttp));
    }
  }
  const runMs = performance.now() - t;
  if (httpItems !== driverItems) throw new Error(`HTTP returned ${httpItems} items, the driver ${driverItems}`);

  const stats = (samples: number[]) => {
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return { p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(sorted.at(-1)!), mean: round(samples.reduce((a, b) => a + b, 0) / samples.length) };
  };
  const h = stats(http);
  const d = stats(driver);
  const ratio = Math.round((h.p95 / d.p95) * 100) / 100;
  console.log(`GET /v1/tasks?${new URLSearchParams(query).toString()} over ${taskCount} tasks of one user (${httpItems} items a page; a plan of ${plan.steps.length} find(s), run until the page is full)`);
  console.log(`  http   p50 ${h.p50} ms  p95 ${h.p95} ms  p99 ${h.p99} ms  max ${h.max} ms`);
  console.log(`  driver p50 ${d.p50} ms  p95 ${d.p95} ms  p99 ${d.p99} ms  max ${d.max} ms`);
  console.log(`  p95 ratio http/driver ${ratio}  (targets: http p95 < 50 ms ${h.p95 < 50 ? 'MET' : 'MISSED'}, ratio < 1.5 ${ratio < 1.5 ? 'MET' : 'MISSED'})`);
  console.log(
    JSON.stringify({
      bench: 'task-list-query',
      tasks: taskCount,
      iterations,
      items: httpItems,
      insertMs: Math.round(insertMs),
      runMs: Math.round(runMs),
      http: h,
      driver: d,
      p95Ratio: ratio,
    }),
  );
} finally {
  if (server) {
    server.closeAllConnections();
    server.close();
  }
  await tasks.drop().catch(() => undefined);
  await client.close();
}
