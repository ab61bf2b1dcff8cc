// The image's contents, proved without an image (no Docker engine here): every service's
// production command (`node dist/...`, as the Dockerfile and strimzi/base/app run it) starts
// from a clean `npm ci --omit=dev` tree plus `npm run build`'s dist/ against the local stack,
// becomes ready, and stops cleanly on SIGTERM within the pods' termination grace.
// The tree is cached by lock-file hash (strimzi/check/prod-tree.sh); dist/ is rebuilt each run.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { stackEnv, uniqueName } from '../support/stack-env.js';
import { waitFor } from '../support/wait-for.js';
import { freePort } from '../support/free-port.js';
import { PROCESSORS, serviceAccess } from '../../platform/kafka-access.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** What strimzi/base/app gives every pod (terminationGracePeriodSeconds): shutdown must fit well inside. */
const TERMINATION_GRACE_MS = 30_000;

interface Started {
  name: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<unknown[]>;
}

describe('production commands from a pruned tree (npm ci --omit=dev + dist/)', function () {
  this.timeout(15 * 60_000);
  let tree = '';
  const prefix = `${uniqueName('prod')}.`;
  const database = uniqueName('prod').replaceAll('-', '_');
  const started: Started[] = [];
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    TZ: 'UTC',
    KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl,
    MONGO_URL: `${stackEnv.mongoUrl.replace(/\/[^/]*$/, '')}/${database}`,
    TOPIC_PREFIX: prefix,
    JWT_SECRET: uniqueName('a-test-only-secret-of-some-length'),
    ...extra,
  });

  const start = (name: string, entry: string, extra: Record<string, string>): Started => {
    const child = spawn(process.execPath, [entry], { cwd: tree, env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      output.push(...chunk.toString().split('\n').filter(Boolean));
      output.splice(0, Math.max(0, output.length - 40));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const service = { name, child, output, exited: once(child, 'exit') };
    started.push(service);
    return service;
  };

  const ready = async (service: Started, url: string, logLine: string): Promise<void> => {
    const died = service.exited.then(([code, signal]) => {
      throw new Error(`${service.name} exited (${String(code ?? signal)}) before it was ready:\n${service.output.join('\n')}`);
    });
    const ok = waitFor(async () => service.output.some((l) => l.includes(logLine)) && (await fetch(url)).ok, {
      timeoutMs: 90_000,
      intervalMs: 200,
      what: `${service.name} to log "${logLine}" and ${url} to answer 200`,
    });
    await Promise.race([ok, died]);
  };

  before(function () {
    tree = execFileSync(join(ROOT, 'strimzi/check/prod-tree.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  });

  after(async function () {
    for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    const mongo = await new MongoClient(stackEnv.mongoUrl).connect();
    await mongo.db(database).dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  it('holds no dev dependency: no tsx, no typescript, no mocha', function () {
    for (const dev of ['tsx', 'typescript', 'mocha', 'eslint']) assert.equal(existsSync(join(tree, 'node_modules', dev)), false, `${dev} in the pruned tree`);
    assert.ok(existsSync(join(tree, 'node_modules', '@confluentinc', 'kafka-javascript', 'build', 'Release')), 'librdkafka built');
  });

  it('the schema Job: node dist/contracts/avro/cli.js register registers the schemas and creates the topics', function () {
    const out = execFileSync(process.execPath, ['dist/contracts/avro/cli.js', 'register'], { cwd: tree, env: env({}), encoding: 'utf8' });
    assert.match(out, new RegExp(`topic ${prefix.replace('.', '\\.')}task-events: created`));
  });

  it('every service starts, becomes ready and stops on SIGTERM within the termination grace', async function () {
    const [gatewayPort, bridgePort, redrivePort] = [await freePort(), await freePort(), await freePort()];
    const metricsPorts: number[] = [];
    for (const _ of PROCESSORS) metricsPorts.push(await freePort());
    const gatewayUrl = `http://localhost:${gatewayPort}`;
    const gateway = start('gateway', 'dist/gateway/main.js', { GATEWAY_PORT: String(gatewayPort) });
    const bridge = start('bridge', 'dist/bridge/main.js', { BRIDGE_PORT: String(bridgePort) });
    const processors = PROCESSORS.map((p, i) =>
      start(p.name, `dist/streams/processors/${p.name}/main.js`, { METRICS_PORT: String(metricsPorts[i]), STREAMS_INSTANCE_ID: `${p.name}-0` }),
    );
    const redrive = start('audit-redrive', 'dist/connectors/redrive/main.js', { METRICS_PORT: String(redrivePort) });
    assert.equal(started.length, serviceAccess().filter((s) => s.kind !== 'job').length, 'every service of the access table is started');
    await Promise.all([
      ready(gateway, `${gatewayUrl}/readyz`, 'gateway listening'),
      ready(bridge, `http://localhost:${bridgePort}/healthz`, 'bridge listening'),
      ...processors.map((s, i) => ready(s, `http://localhost:${metricsPorts[i]}/metrics`, `${s.name} running`)),
      ready(redrive, `http://localhost:${redrivePort}/readyz`, 'audit-redrive running'),
    ]);
    // The web client is bundled from dist/web at start: the page and its script are served.
    const page = await (await fetch(`${gatewayUrl}/`)).text();
    const script = /src="(\/assets\/app-[^"]+\.js)"/.exec(page)?.[1];
    assert.ok(script, `index.html names the bundled script:\n${page.slice(0, 500)}`);
    assert.equal((await fetch(`${gatewayUrl}${script}`)).status, 200);

    const stops = await Promise.all(
      started.map(async (s) => {
        const t0 = Date.now();
        s.child.kill('SIGTERM');
        const [code, signal] = await s.exited;
        return { name: s.name, code, signal, ms: Date.now() - t0 };
      }),
    );
    console.log(`      shutdown times: ${stops.map((s) => `${s.name} ${s.ms} ms`).join(', ')}`);
    for (const s of stops) {
      assert.equal(s.code, 0, `${s.name} exited with ${String(s.code ?? s.signal)}`);
      assert.ok(s.ms < TERMINATION_GRACE_MS / 2, `${s.name} took ${s.ms} ms to stop`);
    }
  });
});
