// The live proof that the dashboards show real data: the gateway, the bridge and all six
// processors run in this process on a fresh topic prefix, the stack's Prometheus scrapes them
// (file-SD targets written here), a bounded scenario exercises every signal the dashboards and
// alerts read, and then every panel's query must return finite data from this run's services.
// The same checker must report a panel with a planted typo, by dashboard, panel and query.
import { TransientError } from '../../platform/index.js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Device } from '../../bridge/__tests__/client.js';
import { startTestBridge } from '../../bridge/__tests__/start.js';
import type { RunningBridge } from '../../bridge/server.js';
import { ConnectClient, type ConnectorSpec } from '../../connectors/connect-client.js';
import { GatewayHarness } from '../../test/support/harness.js';
import { newApp, physical, produceRaw, startAndAssign } from '../../streams/runtime/__tests__/support.js';
import type { StreamsApp } from '../../streams/runtime/index.js';
import { ensureNotificationIndexes, notificationViewProcessor, type NotificationDocument } from '../../streams/processors/notification-view/processor.js';
import { notifierProcessor } from '../../streams/processors/notifier/processor.js';
import { recurrenceProcessor } from '../../streams/processors/recurrence/processor.js';
import { schedulerProcessor } from '../../streams/processors/scheduler/processor.js';
import { settingsViewProcessor, type SettingsDocument } from '../../streams/processors/settings-view/processor.js';
import { taskViewProcessor } from '../../streams/processors/task-view/processor.js';
import { MongoTaskViewStore, type TaskViewStore } from '../../streams/processors/task-view/view-store.js';
import { stackEnv, uniqueName } from '../../test/support/stack-env.js';
import { waitFor } from '../../test/support/wait-for.js';
import { DASHBOARDS } from '../dashboards/index.js';
import type { DashboardSpec } from '../dashboards/lib.js';
import { checkAlertSeries, checkDashboards, describeEmpty, RULES_FILE, type QueryResult, type Variables, type Window } from '../live-check.js';
import { auditSinkFor } from '../../test/support/audit-sink.js';

const PROMETHEUS = stackEnv.prometheusUrl;
/** Jobs of the stack itself, whose instances the Instance variable includes besides ours. */
const STACK_JOBS = ['prometheus', 'kafka', 'connect', 'ferretdb', 'registry'];

interface PromTargets {
  data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
}

async function promQuery(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${PROMETHEUS}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

/** The folder the running Prometheus watches for file-SD targets, from its loaded config. */
async function targetsDir(): Promise<string> {
  const body = (await (await fetch(`${PROMETHEUS}/api/v1/status/config`)).json()) as { data: { yaml: string } };
  const dir = /- (\/\S+)\/gateway-\*\.json/.exec(body.data.yaml)?.[1];
  if (!dir) {
    throw new Error(
      `the Prometheus at ${PROMETHEUS} has no file-SD targets for the gateway: it was started with an older stack/config/prometheus; restart the stack once (make stack-down stack-up)`,
    );
  }
  return dir;
}

/**
 * A store whose database stops answering until released: every write fails transiently, so the
 * task-view consumer retries the same batch (streams_transient_failures_total,
 * streams_retry_stalled_seconds) and its committed offset stays where it was (the lag).
 */
function holdable(store: TaskViewStore) {
  let holding = false;
  return {
    store: {
      load: (ids: readonly string[]) => store.load(ids),
      write: (writes: Parameters<TaskViewStore['write']>[0]) =>
        holding ? Promise.reject(new TransientError('DB_UNREACHABLE', 'the live check holds the database')) : store.write(writes),
    } satisfies TaskViewStore,
    hold: () => void (holding = true),
    release: () => void (holding = false),
  };
}

describe('grafana live check: every panel shows data from the real services (real stack, real Prometheus)', function () {
  this.timeout(240_000);
  const run = uniqueName('live');
  const harness = new GatewayHarness({ RYW_TIMEOUT_MS: '1500' });
  const connect = new ConnectClient(stackEnv.connectUrl);
  const auditCollection = `audit_${run.replace(/\W/g, '_')}`;
  let auditSink: ConnectorSpec | undefined;
  const apps: StreamsApp[] = [];
  const devices: Device[] = [];
  const targetFiles: string[] = [];
  let bridge: RunningBridge;
  let held: ReturnType<typeof holdable>;
  let window: Window;
  let vars: Variables;
  let results: QueryResult[];
  const timings: Record<string, number> = {};
  const startedAt = Date.now();

  const writeTargets = async (dir: string, job: string, name: string, target: string, labels: Record<string, string> = {}) => {
    const file = join(dir, `${job}-${run}-${name}.json`);
    // Written whole, then renamed: Prometheus never reads half a file.
    await writeFile(`${file}.tmp`, JSON.stringify([{ targets: [target], labels: { ...labels, live_check_run: run } }]));
    await rename(`${file}.tmp`, file);
    targetFiles.push(file);
  };

  before(async () => {
    const dir = await targetsDir();
    await mkdir(dir, { recursive: true });
    await harness.setup();
    harness.gateway.metrics.collectProcessMetrics();

    const taskStore = new MongoTaskViewStore(harness.db, { name: 'tasks' });
    await taskStore.init();
    held = holdable(taskStore);
    const inbox = harness.db.collection<NotificationDocument>('notifications');
    await ensureNotificationIndexes(inbox);
    const processors = [
      (registry: Registry) => taskViewProcessor({ store: held.store, name: 'task-view', registry }),
      () => settingsViewProcessor({ collection: harness.db.collection<SettingsDocument>('settings'), name: 'settings-view' }),
      (registry: Registry) => schedulerProcessor({ registry }),
      () => recurrenceProcessor(),
      (registry: Registry) => notifierProcessor({ registry }),
      () => notificationViewProcessor({ collection: inbox }),
    ];
    for (const make of processors) {
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      apps.push(newApp(make(registry), harness.prefix, { registry, metricsPort: 0 }));
    }
    await Promise.all(apps.map(startAndAssign));
    bridge = await startTestBridge({ prefix: harness.prefix, mongoUrl: harness.mongoUrl });
    bridge.metrics.collectProcessMetrics();
    // The audit sink on this run's topics: the Connect panels and ConnectTaskFailed read its task.
    auditSink = auditSinkFor(harness.prefix, auditCollection);
    await connect.apply(auditSink);
    await waitFor(
      async () => {
        const status = await connect.status(auditSink!.name);
        return status.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((t) => t.state === 'RUNNING');
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `connector ${auditSink.name} and its task running` },
    );

    await writeTargets(dir, 'gateway', 'gateway', new URL(harness.url).host);
    await writeTargets(dir, 'bridge', 'bridge', `127.0.0.1:${bridge.port}`);
    for (const app of apps) await writeTargets(dir, 'streams', app.processor.name, `127.0.0.1:${app.metricsPort}`, { processor: app.processor.name });
    // Polling: Prometheus offers no notification when a file-SD target is first scraped.
    await waitFor(
      async () => {
        const { data } = (await (await fetch(`${PROMETHEUS}/api/v1/targets?state=active`)).json()) as PromTargets;
        const ours = data.activeTargets.filter((t) => t.labels.live_check_run === run);
        return ours.length === apps.length + 2 && ours.every((t) => t.health === 'up');
      },
      { timeoutMs: 30_000, intervalMs: 250, what: `Prometheus to scrape this run's ${apps.length + 2} targets` },
    );
    timings.setupMs = Date.now() - startedAt;
  });

  after(async () => {
    for (const d of devices) d.close();
    held?.release();
    await Promise.all(targetFiles.map((f) => rm(f, { force: true })));
    if (auditSink) await connect.remove(auditSink.name).catch(() => undefined);
    await bridge?.stop();
    await Promise.all(apps.map((app) => app.stop()));
    // The sink writes to the `todo` database, beside the harness's own (dropped by teardown).
    await Promise.resolve()
      .then(() => harness.db.client.db('todo').collection(auditCollection).drop())
      .catch(() => undefined);
    await harness.teardown();
  });

  it('a bounded scenario: writes and 4xx, sockets and a replay, a reminder, a dead letter, a held consumer', async () => {
    const scenarioStart = Date.now();
    window = { start: Math.floor(scenarioStart / 1000) - 5, end: 0, step: 5 };
    const user = uniqueName('ana');
    const token = await harness.token(user);
    const device = new Device(bridge.url, { token });
    devices.push(device);
    await device.synced();
    const refused = new Device(bridge.url, { token: 'not-a-token' });
    devices.push(refused);
    await refused.refused();

    // Writes answered from the view (201), client mistakes (4xx), settings (user-events).
    for (let i = 0; i < 5; i++) {
      const reply = await harness.request('POST', '/v1/tasks', { user, body: { title: `task ${i}` } });
      assert.equal(reply.status, 201, reply.text);
    }
    assert.equal((await harness.request('POST', '/v1/tasks', { user, body: { title: '' } })).status, 400);
    assert.equal((await harness.request('GET', `/v1/tasks/${randomUUID()}`, { user })).status, 404);
    assert.equal((await harness.request('PUT', '/v1/me/settings', { user, body: { timeZone: 'Europe/Paris' } })).status < 300, true);
    await device.until((d) => d.tasks.length >= 5, 15_000, 'five live task pushes');

    // A second device resumes from the first one's cursor: a replay.
    const second = new Device(bridge.url, { token, cursor: device.tasks[1]!.cursor });
    devices.push(second);
    await second.synced();

    // A reminder two seconds out, delivered to the device.
    const due = Date.now() + 2000;
    assert.equal((await harness.request('POST', '/v1/tasks', { user, body: { title: 'stretch', reminders: [{ at: new Date(due).toISOString() }] } })).status, 201);
    await device.until((d) => d.notifications.length >= 1, 15_000, 'the reminder notification');

    // A record no processor can decode: dead-lettered by each processor reading task-events.
    await produceRaw(physical('task-events', harness.prefix), [{ key: user, value: Buffer.from('not avro at all') }]);
    const taskView = apps[0]!;
    await waitFor(async () => (await taskView.metrics.deadLetters.get()).values.length > 0, { what: 'task-view to dead-letter the poison record' });

    // The task view held on a batch: its committed offset stays, its lag shows in Prometheus.
    held.hold();
    const heldAt = Date.now();
    for (let i = 0; i < 3; i++) {
      const reply = await harness.request('POST', '/v1/tasks', { user, body: { title: `while held ${i}` } });
      assert.equal(reply.status, 202, `a write while the view is held answers 202 after the read-your-writes timeout: ${reply.text}`);
    }
    const lagged = await waitFor(
      async () => {
        // The three writes wait behind the held batch: none is committed, all three are lag.
        const rows = await promQuery(`kafka_consumergroup_lag{live_check_run="${run}", processor="task-view"} >= 3`);
        return rows.length > 0 ? rows : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'the held task-view lag of 3 in Prometheus' },
    );
    timings.lagVisibleMs = Date.now() - heldAt;
    const lagSeen = lagged.map((r) => `${r.metric.topic}[${r.metric.partition}]=${r.value[1]}`).join(', ');
    held.release();
    const releasedAt = Date.now();
    await waitFor(
      async () => {
        const rows = await promQuery(`kafka_consumergroup_lag{live_check_run="${run}", processor="task-view"}`);
        return rows.length > 0 && rows.every((r) => Number(r.value[1]) === 0);
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'the task-view lag back to 0 in Prometheus after release' },
    );
    timings.lagBackToZeroMs = Date.now() - releasedAt;
    console.log(`      task-view held: lag ${lagSeen} visible in Prometheus after ${timings.lagVisibleMs} ms; back to 0 ${timings.lagBackToZeroMs} ms after release`);

    // Two more scrapes and rule evaluations, so that every rate has two samples after the last step.
    const lastStep = Date.now();
    await waitFor(async () => (await promQuery(`timestamp(up{live_check_run="${run}", job="gateway"})`)).some((r) => Number(r.value[1]) * 1000 > lastStep + 5000), {
      timeoutMs: 30_000,
      intervalMs: 500,
      what: 'two scrapes after the scenario',
    });
    timings.scenarioMs = Date.now() - scenarioStart;
  });

  it('every panel of every dashboard returns finite data from this run (0 empty)', async () => {
    window.end = Math.ceil(Date.now() / 1000);
    const { data } = (await (await fetch(`${PROMETHEUS}/api/v1/targets?state=active`)).json()) as PromTargets;
    const instances = data.activeTargets.filter((t) => t.labels.live_check_run === run || (STACK_JOBS.includes(t.labels.job!) && t.health === 'up')).map((t) => t.labels.instance!);
    vars = {
      // Grafana: max(4 × the data source's 5 s scrape interval, step + scrape interval).
      rateInterval: '20s',
      range: `${window.end - window.start}s`,
      service: '.*',
      instance: instances.map((i) => i.replace(/[.]/g, '\\\\.')).join('|'),
    };
    const checkStart = Date.now();
    results = await checkDashboards(PROMETHEUS, DASHBOARDS.map((d) => d.spec), vars, window);
    timings.checkMs = Date.now() - checkStart;
    const count = (v: string) => results.filter((r) => r.verdict === v).length;
    const panels = new Set(results.map((r) => `${r.dashboard}/${r.panel}`)).size;
    console.log(`      ${panels} panels, ${results.length} queries: ${count('data')} with data, ${count('empty')} empty`);
    console.log(`      timings: ${JSON.stringify(timings)}`);
    assert.equal(describeEmpty(results), '', 'panels without data');
  });

  it('the same check fails on a planted typo, naming the dashboard, panel and query', async () => {
    const pipeline = DASHBOARDS.find((d) => d.file === 'pipeline.json')!.spec;
    const typo: DashboardSpec = structuredClone(pipeline);
    const panel = typo.sections[1]!.panels[1]!;
    panel.queries[0]!.expr = panel.queries[0]!.expr.replace('streams_records_processed_total', 'streams_records_procesed_total');
    const checked = await checkDashboards(PROMETHEUS, [typo], vars, window);
    const empty = checked.filter((r) => r.verdict === 'empty');
    assert.deepEqual(
      empty.map((r) => `${r.dashboard} / ${r.panel} / ${r.refId}`),
      ['todo-stream / Pipeline / Records in per processor and topic / A'],
    );
    const message = describeEmpty(checked);
    console.log(`      planted typo reported: ${message}`);
    assert.match(message, /streams_records_procesed_total/);
  });

  it("every alert rule's metrics have series", async () => {
    const alerts = await checkAlertSeries(PROMETHEUS, await readFile(RULES_FILE, 'utf8'), window);
    const names = new Set(alerts.map((a) => a.alert));
    console.log(`      ${names.size} alerts, ${alerts.length} metric selectors: ${alerts.filter((a) => a.verdict === 'empty').length} without series`);
    assert.equal(names.size, 10);
    assert.deepEqual(alerts.filter((a) => a.verdict === 'empty').map((a) => `${a.alert}: ${a.selector}`), []);
    // Loaded and evaluated by this Prometheus (with the rules of this version).
    const rules = (await (await fetch(`${PROMETHEUS}/api/v1/rules?type=alert`)).json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    assert.deepEqual(loaded.map((r) => r.name).sort(), [...names].sort());
    assert.deepEqual(loaded.filter((r) => r.health !== 'ok'), []);
  });
});
