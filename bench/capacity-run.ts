// One capacity rig: a topic prefix and a database of the shared stack, the whole system as
// processes on them (capacity-system.ts), users seeded with tasks (capacity-seed.ts), and steps
// of load from the load generator's process (capacity-load.worker.ts), each measured against the
// service levels with the CPU of every process read around its window (capacity-cpu.ts).
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { MongoClient } from 'mongodb';
import { ConnectClient, type ConnectorSpec } from '../connectors/connect-client.js';
import { signDevToken } from '../gateway/auth.js';
import { DEV_JWT_SECRET } from '../gateway/config.js';
import { waitFor } from '../test/support/wait-for.js';
import { auditSinkFor } from '../test/support/audit-sink.js';
import { contractFor } from '../contracts/avro/catalog.js';
import { mongoUrlFor, registerPrefix } from '../test/support/harness.js';
import { stackEnv, uniqueName } from '../test/support/stack-env.js';
import { cpuBetween, defaultStackRunDir, snapshot, stackPids, type CpuSnapshot, type CpuWindow } from './capacity-cpu.js';
import { seedTasks, type SeededTask } from './capacity-seed.js';
import { servicePids, startSystem, type RunningSystem, type Topology } from './capacity-system.js';
import type { LoadJob, LoadReport } from './capacity-load.worker.js';

const ROOT = join(import.meta.dirname, '..');

export interface ServiceLevel {
  name: string;
  limit: number;
  unit: string;
  value: (r: LoadReport) => number;
  /** How many samples the figure rests on (0: not measured). */
  samples: (r: LoadReport) => number;
}

export const SERVICE_LEVELS: ServiceLevel[] = [
  { name: 'write → materialized answer p99', limit: 200, unit: 'ms', value: (r) => r.writeAnswer.p99, samples: (r) => r.writeAnswer.n },
  { name: 'write → other device p99', limit: 500, unit: 'ms', value: (r) => r.otherDevice.p99, samples: (r) => r.otherDevice.n },
  { name: 'list p95', limit: 200, unit: 'ms', value: (r) => r.list.p95, samples: (r) => r.list.n },
  // The notifier holds a reminder until its second is over plus 300 ms (one notification per
  // user and second, streams/processors/notifier): that much lateness is designed, 0.3-1.3 s.
  { name: 'reminder lateness p99 (past batching)', limit: 1000, unit: 'ms', value: (r) => r.reminderLatenessBeyondBatching.p99, samples: (r) => r.reminderLatenessBeyondBatching.n },
  { name: 'errors', limit: 0, unit: '', value: (r) => r.errors, samples: (r) => r.totalActions },
];

export interface LevelCheck {
  name: string;
  value: number;
  limit: number;
  unit: string;
  samples: number;
  held: boolean;
}

export interface StepResult {
  label: string;
  users: number;
  tasksPerUser: number;
  report: LoadReport;
  cpu: CpuWindow;
  /** The same processes with no load, just before the step: what they burn anyway (and others' share of the shared stack). */
  idle: CpuWindow;
  /** Records appended to task-events, and to every topic of the prefix (transaction markers included), per second. */
  taskEventsPerSecond: number;
  allRecordsPerSecond: number;
  levels: LevelCheck[];
  held: boolean;
}

export function checkLevels(report: LoadReport): LevelCheck[] {
  return SERVICE_LEVELS.map((level) => {
    const value = level.value(report);
    const samples = level.samples(report);
    const held = samples > 0 && (level.limit === 0 ? value === 0 : value < level.limit);
    return { name: level.name, value, limit: level.limit, unit: level.unit, samples, held };
  });
}

export interface StepOptions {
  label?: string;
  warmupSec: number;
  measureSec: number;
  thinkMs: number;
  reminderShare?: number;
  recurringShare?: number;
  /** Every kind of action once per user first (LoadJob.opening): for runs too short to sample every level by chance. */
  opening?: boolean;
  /** The idle window measured before the load (default 5 s). */
  idleSec?: number;
}

export class CapacityRig {
  readonly prefix = `${uniqueName('cap')}.`;
  readonly database = uniqueName('cap').replace(/[^A-Za-z0-9_]/g, '_');
  readonly mongoUrl = mongoUrlFor(this.database);
  private mongo!: MongoClient;
  private admin = new KafkaJS.Kafka({ kafkaJS: { brokers: stackEnv.kafkaBrokers, logLevel: KafkaJS.logLevel.NOTHING } }).admin();
  system: RunningSystem | null = null;
  /** Seeded users by their tasks-per-user figure, reused by later steps of the same size. */
  private readonly users = new Map<number, { id: string; tasks: SeededTask[] }[]>();
  private loadGeneratorPid: number | undefined;
  private readonly connect = new ConnectClient(stackEnv.connectUrl);
  private audit: ConnectorSpec | null = null;

  /** `audit`: run the audit sink connector on this prefix too, as a deployment does (Connect's share). */
  constructor(
    private readonly portBase: number,
    private readonly options: { audit?: boolean } = {},
  ) {}

  async setup(): Promise<void> {
    await registerPrefix(this.prefix);
    this.mongo = await MongoClient.connect(this.mongoUrl);
    await this.admin.connect();
    if (this.options.audit) {
      this.audit = auditSinkFor(this.prefix, `${this.database}_audit`);
      await this.connect.apply(this.audit);
    }
  }

  async start(topology: Topology): Promise<void> {
    await this.system?.stop();
    this.system = null;
    const start = (portBase: number) => startSystem({ ...topology, prefix: this.prefix, mongoUrl: this.mongoUrl, portBase, runId: this.prefix.slice(0, -1) });
    // A port of the range can be taken between our check and the service's listen (other
    // engineers' tests listen on ephemeral ports): once more, higher in the range.
    this.system = await start(this.portBase).catch(() => start(this.portBase + 100));
    await this.served(this.system);
  }

  /**
   * Ready is not yet serving: a restarted task-view may own its partitions only a while later.
   * A write through every gateway must come back materialized (201, read-your-writes) first.
   */
  private async served(system: RunningSystem): Promise<void> {
    const token = await signDevToken(`cap-probe-${Math.random().toString(36).slice(2, 8)}`, process.env.JWT_SECRET ?? DEV_JWT_SECRET);
    for (const url of system.gatewayUrls) {
      await waitFor(
        async () => {
          const res = await fetch(`${url}/v1/tasks`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'probe' }) });
          await res.text();
          return res.status === 201;
        },
        { timeoutMs: 120_000, intervalMs: 500, what: `a write through ${url} materialized` },
      );
    }
  }

  /** At least `count` users with `perUser` seeded tasks each; seeds only the missing ones. */
  async usersWith(count: number, perUser: number): Promise<{ id: string; tasks: SeededTask[] }[]> {
    const have = this.users.get(perUser) ?? [];
    if (have.length < count) {
      const fresh = Array.from({ length: count - have.length }, (_, i) => `cap-${perUser}-${have.length + i}-${Math.random().toString(36).slice(2, 6)}`);
      const seeded = await seedTasks(this.prefix, this.mongo.db(), fresh, perUser);
      have.push(...fresh.map((id) => ({ id, tasks: seeded.get(id)! })));
      this.users.set(perUser, have);
    }
    return have.slice(0, count);
  }

  private async offsets(): Promise<{ taskEvents: number; all: number }> {
    const topics = (await this.admin.listTopics()).filter((t) => t.startsWith(this.prefix));
    const taskEvents = contractFor('task-events', this.prefix).topic;
    let all = 0;
    let events = 0;
    for (const topic of topics) {
      const sum = (await this.admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0);
      all += sum;
      if (topic === taskEvents) events = sum;
    }
    return { taskEvents: events, all };
  }

  private groups(): Map<string, number[]> {
    const groups = servicePids(this.system!);
    if (this.loadGeneratorPid) groups.set('load generator', [this.loadGeneratorPid]);
    for (const [name, pids] of stackPids(defaultStackRunDir(ROOT))) groups.set(name, pids);
    return groups;
  }

  async step(users: number, perUser: number, options: StepOptions): Promise<StepResult> {
    const system = this.system!;
    const seeded = await this.usersWith(users, perUser);
    const idleStart = snapshot(this.groups());
    await new Promise((resolve) => setTimeout(resolve, (options.idleSec ?? 5) * 1000));
    const idle = cpuBetween(idleStart, snapshot(this.groups()));
    const job: LoadJob = {
      gatewayUrls: system.gatewayUrls,
      bridgeUrls: system.bridgeUrls,
      users: seeded,
      jwtSecret: process.env.JWT_SECRET ?? DEV_JWT_SECRET,
      warmupSec: options.warmupSec,
      measureSec: options.measureSec,
      thinkMs: options.thinkMs,
      reminderShare: options.reminderShare ?? 0.15,
      recurringShare: options.recurringShare ?? 0.15,
      opening: options.opening ?? false,
    };
    const worker = fork(join(import.meta.dirname, 'capacity-load.worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.loadGeneratorPid = worker.pid;
    let before: CpuSnapshot | undefined;
    let offsetsBefore: { taskEvents: number; all: number } | undefined;
    let cpu: CpuWindow | undefined;
    let offsetsAfter: { taskEvents: number; all: number } | undefined;
    let windowMs = 0;
    const pending: Promise<unknown>[] = [];
    const report = await new Promise<LoadReport>((resolve, reject) => {
      worker.on('message', (message: { type: string; report?: LoadReport; error?: string }) => {
        if (message.type === 'measuring') {
          before = snapshot(this.groups());
          windowMs = Date.now();
          pending.push(this.offsets().then((o) => (offsetsBefore = o)));
        } else if (message.type === 'measured') {
          cpu = cpuBetween(before!, snapshot(this.groups()));
          windowMs = Date.now() - windowMs;
          pending.push(this.offsets().then((o) => (offsetsAfter = o)));
        } else if (message.type === 'report') resolve(message.report!);
        else if (message.type === 'failed') reject(new Error(`the load generator failed: ${message.error}`));
      });
      worker.once('exit', (code) => code !== 0 && reject(new Error(`the load generator exited with ${code}`)));
      worker.send(job);
    });
    await Promise.all(pending);
    this.loadGeneratorPid = undefined;
    const seconds = windowMs / 1000;
    const levels = checkLevels(report);
    return {
      label: options.label ?? `N=${users}`,
      users,
      tasksPerUser: perUser,
      report,
      cpu: cpu!,
      idle,
      taskEventsPerSecond: (offsetsAfter!.taskEvents - offsetsBefore!.taskEvents) / seconds,
      allRecordsPerSecond: (offsetsAfter!.all - offsetsBefore!.all) / seconds,
      levels,
      held: levels.every((l) => l.held),
    };
  }

  async teardown(): Promise<void> {
    await this.system?.stop();
    this.system = null;
    if (this.audit) {
      await this.connect.remove(this.audit.name).catch(() => undefined);
      const todo = this.mongo?.db('todo');
      for (const name of [`${this.database}_audit`, `${this.database}_audit_outcomes`]) await todo?.collection(name).drop().catch(() => undefined);
    }
    await this.mongo?.db().dropDatabase().catch(() => undefined);
    await this.mongo?.close();
    const topics = (await this.admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(this.prefix) || t.startsWith(`dlq.${this.prefix}`));
    if (topics.length > 0) await this.admin.deleteTopics({ topics }).catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}

/**
 * CPU-seconds per 1,000 user actions of each process group in a step. `net` takes off what the
 * process burnt at the same rate with no load just before (the shared stack serves other
 * engineers' tests too, and every service polls): what the actions cost.
 */
export function cpuPerThousandActions(step: StepResult, { net = true } = {}): Map<string, number> {
  const perK = new Map<string, number>();
  for (const [name, seconds] of step.cpu.seconds) {
    const idleRate = (step.idle.seconds.get(name) ?? 0) / Math.max(0.001, step.idle.wallSeconds);
    const used = net ? Math.max(0, seconds - idleRate * step.cpu.wallSeconds) : seconds;
    perK.set(name, (used / Math.max(1, step.report.totalActions)) * 1000);
  }
  return perK;
}

/** Groups that are the client or not ours: left out of what the system costs. */
export const NOT_THE_SYSTEM = new Set(['load generator', 'others (not ours)']);

/** CPU-seconds per 1,000 actions of the system (services + stack), net of idle. */
export function systemCpuPerThousand(step: StepResult): number {
  return [...cpuPerThousandActions(step)].filter(([k]) => !NOT_THE_SYSTEM.has(k)).reduce((a, [, v]) => a + v, 0);
}

/** Actions/s the machine's cores could serve if the system had them to itself: cores / CPU per action. */
export function cpuCeiling(step: StepResult, cores: number): number {
  return (cores / systemCpuPerThousand(step)) * 1000;
}
