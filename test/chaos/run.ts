// One chaos run: the chaos stack (stack/chaos.sh), the real services, the workload and the
// devices; then each fault in turn while the workload runs, then the independent checker.
// `make chaos` runs the full table (main.ts); `make test` a smoke of one broker kill
// (smoke.int.spec.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, type CheckReport } from './checker.js';
import type { Fault, FaultContext } from './faults.js';
import { Service, serviceSpecs } from './services.js';
import { ChaosStack, ClusterAdmin } from './stack.js';
import { Device } from './sockets.js';
import { sleep, tokenFor, Workload, writeOnce, type WriteRecord } from './workload.js';

const ROOT = join(import.meta.dirname, '..', '..');
export const TOPICS = ['task-events', 'user-events', 'task-views', 'reminders', 'recurrences', 'notifications'];
// Local only: the services of the run verify the workload's tokens with it.
const JWT_SECRET = 'chaos-suite-local-secret-not-for-production';

export interface ChaosOptions {
  portBase: number;
  /**
   * 'own': the run starts its own registry, PostgreSQL + FerretDB and Connect beside the 3 nodes
   * (faults may hit them). 'shared': only the 3 nodes; registry and database are the dev stack's
   * (`shared` below), used with a unique prefix and database, and never faulted; no audit check.
   */
  stack: 'own' | { shared: { registryUrl: string; mongoBaseUrl: string } };
  users: number;
  devices: number;
  /**
   * Partitions of every event topic (and so of every changelog and dead-letter topic); default
   * the catalog's 6. Fewer partitions: a node killed with -9 recovers fewer logs on restart.
   */
  partitions?: number;
  writesPerSecond: number;
  warmupMs: number;
  /** Normal workload after each recovery, before the next fault. */
  settleMs: number;
  faults: Fault[];
  reminderShare: number;
  reminderDelayMs: number;
  /** How long a fault may take to recover after healing before the run repairs it by hand. */
  recoveryTimeoutMs: number;
  /** How long task-view may take to drain its backlog once the workload stops, before the devices close. */
  drainTimeoutMs: number;
  log?: (line: string) => void;
  /** Leave the stack running after the run (to look at it). */
  keepStack?: boolean;
}

export interface FaultRow {
  fault: string;
  acked: number;
  indeterminate: number;
  lost: number;
  duplicated: number;
  /** The longest a client waited for one write (first attempt to answer or give-up), s. */
  longestUnavailableS: number;
  /** From injection until the component was back and a write was confirmed by the view, s; null: not within the timeout. */
  recoveryS: number | null;
}

export interface ChaosResult {
  rows: FaultRow[];
  report: CheckReport;
  writes: number;
  users: number;
  durationS: number;
  workloadS: number;
  artifacts: string;
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`[chaos] ${line}\n`));
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const prefix = `chaos-${runId}.`;
  const artifacts = join(ROOT, '.stack', 'chaos', 'runs', runId);
  mkdirSync(artifacts, { recursive: true });
  const began = Date.now();
  const stack = new ChaosStack(opts.portBase);
  const own = opts.stack === 'own';

  log(`run ${runId}: starting the ${own ? 'chaos stack' : '3-node cluster'} (port base ${opts.portBase}); logs in ${artifacts}`);
  await stack.reset();
  await stack.up(own ? 'all' : 'brokers');
  const chaosEnv = await stack.env();
  const brokers = chaosEnv.KAFKA_BROKERS!;
  const registryUrl = own ? chaosEnv.SCHEMA_REGISTRY_URL! : (opts.stack as { shared: { registryUrl: string } }).shared.registryUrl;
  const mongoUrl = own ? chaosEnv.MONGO_URL! : `${(opts.stack as { shared: { mongoBaseUrl: string } }).shared.mongoBaseUrl.replace(/\/[^/]*$/, '')}/chaos-${runId}`;
  const stackEnv: Record<string, string> = { KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl, MONGO_URL: mongoUrl, TOPIC_PREFIX: prefix, JWT_SECRET };
  if (opts.partitions !== undefined) stackEnv.TOPIC_PARTITIONS = String(opts.partitions);
  const admin = new ClusterAdmin(brokers.split(','));

  const services = new Map<string, Service>();
  const devices: Device[] = [];
  try {
    log('registering schemas and creating the topics at replication factor 3, min.insync.replicas 2');
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [join(ROOT, 'bin', 'todo-schemas.mjs'), 'register'], {
      cwd: ROOT,
      env: { ...process.env, ...stackEnv, TOPIC_REPLICATION: '3', TOPIC_MIN_INSYNC_REPLICAS: '2' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (own) {
      await stack.applyConnector({ TOPIC_PREFIX: prefix, MONGO_URL: chaosEnv.MONGO_URL!, AUDIT_COLLECTION: 'audit' });
      log('audit sink connector applied');
    }

    for (const spec of serviceSpecs(opts.portBase, stackEnv, { audit: own })) {
      services.set(spec.name, new Service(spec, artifacts));
    }
    await Promise.all([...services.values()].map((s) => s.supervise()));
    log(`services up: ${[...services.keys()].join(', ')}`);

    const gatewayUrl = `http://localhost:${opts.portBase + 51}`;
    const bridgeUrl = `http://localhost:${opts.portBase + 52}`;
    const users = Array.from({ length: opts.users }, (_, i) => `chaos-${runId}-u${String(i).padStart(3, '0')}`);
    for (const user of users.slice(0, opts.devices)) devices.push(new Device(bridgeUrl, user, await tokenFor(user, JWT_SECRET)));
    const devicesSynced = () => devices.every((d) => d.connected());
    const deadline = Date.now() + 60_000;
    while (!devicesSynced()) {
      if (Date.now() > deadline) throw new Error('devices did not sync with the bridge within 60 s');
      await sleep(200);
    }

    let phase = 'warm-up';
    let remindersAllowed = true;
    const workload = new Workload({
      gatewayUrl,
      jwtSecret: JWT_SECRET,
      users,
      writesPerSecond: opts.writesPerSecond,
      reminderShare: opts.reminderShare,
      reminderDelayMs: opts.reminderDelayMs,
      giveUpMs: 60_000,
      attemptTimeoutMs: 10_000,
      phase: () => phase,
      remindersAllowed: () => remindersAllowed,
    });
    const workloadStart = Date.now();
    workload.start();
    log(`workload: ${opts.users} users, ~${opts.writesPerSecond} writes/s, ${opts.devices} devices`);
    await sleep(opts.warmupMs);

    // The probe: a user of its own whose write counts only once the view confirmed it (201).
    const probeUser = `chaos-${runId}-probe`;
    const probeToken = await tokenFor(probeUser, JWT_SECRET);
    const probes: WriteRecord[] = [];
    let probeSeq = 0;
    const confirmedWrite = async (): Promise<boolean> => {
      const seq = ++probeSeq;
      const marker = `chaos:${probeUser}:${seq}`;
      const startedAt = Date.now();
      const r = await writeOnce({ gatewayUrl, giveUpMs: 3000, attemptTimeoutMs: 3000 }, probeToken, {
        method: 'POST',
        path: '/v1/tasks',
        body: { title: `probe ${seq}`, description: marker },
        key: `${marker}:${runId}`,
      });
      const taskId = (r.answer?.body?.id ?? r.answer?.body?.taskId) as string | undefined;
      probes.push({
        user: probeUser, seq, marker, kind: 'create', phase, startedAt, endedAt: Date.now(), attempts: r.attempts, outcome: r.outcome,
        ...(taskId ? { taskId } : {}), ...(r.answer ? { status: r.answer.status } : {}), ...(r.error ? { error: r.error } : {}),
      });
      return r.answer?.status === 201;
    };

    const ctx: FaultContext = {
      stack,
      admin,
      services,
      topics: TOPICS.map((t) => `${prefix}${t}`),
      taskEvents: `${prefix}task-events`,
      devicesSynced,
      log,
    };
    const recovery = new Map<string, number | null>();
    const recovered = async (timeoutMs: number, back: () => Promise<boolean>): Promise<boolean> => {
      const giveUp = Date.now() + timeoutMs;
      while (!((await back()) && (await confirmedWrite()))) {
        if (Date.now() > giveUp) return false;
        await sleep(250);
      }
      return true;
    };
    // A fault the run itself cannot get past is reported, and the checker still runs.
    try {
      for (const fault of opts.faults) {
        phase = fault.name;
        const injectedAt = Date.now();
        log(`fault: ${fault.name}`);
        await fault.inject(ctx);
        await fault.heal(ctx);
        if (await recovered(opts.recoveryTimeoutMs, () => fault.back(ctx))) {
          recovery.set(fault.name, (Date.now() - injectedAt) / 1000);
          log(`  recovered after ${recovery.get(fault.name)!.toFixed(1)} s`);
        } else {
          // Reported as not recovered; then an operator's repair, so the next fault starts from a
          // working system: every service restarted (SIGKILL, start), in the same phase.
          recovery.set(fault.name, null);
          // Evidence for the report: is task-view committing at all? Two samples 5 s apart.
          const lag = () => admin.committedLag(`${prefix}task-view`, `${prefix}task-events`).catch((err: unknown) => String(err));
          const before = await lag();
          await sleep(5000);
          log(`  NOT recovered ${opts.recoveryTimeoutMs / 1000} s after healing (task-view's committed lag per partition: ${String(before)}, 5 s later ${String(await lag())}): restarting every service`);
          for (const s of services.values()) await s.kill();
          await Promise.all([...services.values()].map((s) => s.supervise().catch((err: unknown) => log(`  ${s.name}: ${String(err)}`))));
          // The backlog the stall left must drain first, or the next fault inherits it.
          const left = await lagDrained(admin, `${prefix}task-view`, `${prefix}task-events`, { atMost: 30, timeoutMs: 60_000 });
          log(`  after the restart: task-view's committed lag ${String(left)}`);
        }
        await sleep(opts.settleMs);
      }
    } catch (err) {
      log(`the run could not continue past ${phase}: ${String(err)}`);
    }

    phase = 'wind-down';
    remindersAllowed = false;
    await workload.stop();
    const workloadS = (Date.now() - workloadStart) / 1000;
    const writes = [...workload.writes, ...probes];
    log(`workload stopped: ${writes.length} writes in ${workloadS.toFixed(0)} s`);
    // task-view drains its backlog first (bounded): the devices are closed after the quiet time
    // below, and a change task-view announces after that is one no device could have been
    // pushed (run mx5q8448bwnp: 7 devices "missed" 26-106 changes, all on partitions task-view
    // was still 150-931 events behind on when they closed).
    const behind = await lagDrained(admin, `${prefix}task-view`, `${prefix}task-events`, { atMost: 0, timeoutMs: opts.drainTimeoutMs });
    log(`task-view's committed lag at wind-down: ${String(behind)}`);
    if (own) {
      // The audit re-drive works through what the sink dead-lettered during the faults (each
      // dead letter waits out its backoff, up to 60 s): bounded, like task-view's drain.
      const waiting = await lagDrained(admin, `${prefix}audit-redrive`, `dlq.${prefix}audit-sink`, { atMost: 0, timeoutMs: 3 * 60_000 });
      log(`the audit re-drive's committed lag at wind-down: ${String(waiting)}`);
    }
    // Quiet time for the bridge and Connect to drain, and every reminder to fall due.
    const lastReminder = Math.max(0, ...writes.map((w) => w.reminderAt ?? 0));
    await sleep(Math.max(20_000, lastReminder + 15_000 - Date.now()));
    for (const d of devices) d.close();
    writeFileSync(join(artifacts, 'writes.json'), JSON.stringify(writes));
    writeFileSync(join(artifacts, 'sockets.json'), JSON.stringify(devices.map((d) => d.log)));

    log('checking');
    const where = { brokers: brokers.split(','), registryUrl, mongoUrl, topicPrefix: prefix, audit: own };
    writeFileSync(join(artifacts, 'run.json'), JSON.stringify({ ...where, portBase: opts.portBase, stack: opts.stack }));
    const report = await check({ ...where, writes, sockets: devices.map((d) => d.log) });
    // A service that died on its own is a bug even when the checker finds nothing missing.
    report.problems.push(...[...services.values()].flatMap((s) => s.crashes));
    writeFileSync(join(artifacts, 'report.json'), JSON.stringify({ ...report, phases: Object.fromEntries(report.phases) }, null, 2));

    const rows: FaultRow[] = ['warm-up', ...opts.faults.map((f) => f.name), 'wind-down'].map((name) => {
      const c = report.phases.get(name) ?? { acked: 0, indeterminate: 0, rejected: 0, lost: 0, duplicated: 0 };
      const waits = writes.filter((w) => w.phase === name).map((w) => w.endedAt - w.startedAt);
      return {
        fault: name,
        acked: c.acked,
        indeterminate: c.indeterminate,
        lost: c.lost,
        duplicated: c.duplicated,
        longestUnavailableS: Math.max(0, ...waits) / 1000,
        recoveryS: recovery.has(name) ? (recovery.get(name) ?? null) : 0,
      };
    });
    return { rows, report, writes: writes.length, users: users.length + 1, durationS: (Date.now() - began) / 1000, workloadS, artifacts };
  } finally {
    for (const d of devices) d.close();
    await Promise.all([...services.values()].map((s) => s.stop()));
    if (!opts.keepStack) await stack.down().catch((err: unknown) => log(`stack down failed: ${String(err)}`));
  }
}

export function formatTable(rows: FaultRow[]): string {
  const head = '| fault | writes acknowledged | indeterminate | lost | duplicated | longest unavailability (s) | recovery time (s) |';
  const sep = '| --- | ---: | ---: | ---: | ---: | ---: | ---: |';
  const lines = rows.map(
    (r) =>
      `| ${r.fault} | ${r.acked} | ${r.indeterminate} | ${r.lost} | ${r.duplicated} | ${r.longestUnavailableS.toFixed(1)} | ${r.recoveryS === null ? 'not recovered' : r.recoveryS ? r.recoveryS.toFixed(1) : '-'} |`,
  );
  return [head, sep, ...lines].join('\n');
}

/**
 * Waits (bounded) until a group's committed lag on a topic is at most `atMost` in all, and
 * returns the last reading: the lag per partition, or the error that prevented reading it.
 */
async function lagDrained(admin: ClusterAdmin, groupId: string, topic: string, { atMost, timeoutMs }: { atMost: number; timeoutMs: number }): Promise<number[] | string> {
  const read = () => admin.committedLag(groupId, topic).catch((err: unknown) => String(err));
  const giveUpAt = Date.now() + timeoutMs;
  let lag = await read();
  while ((typeof lag === 'string' || lag.reduce((a, b) => a + b, 0) > atMost) && Date.now() < giveUpAt) {
    await sleep(1000);
    lag = await read();
  }
  return lag;
}
