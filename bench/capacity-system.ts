// The system under test for the capacity benchmark: every service as its own process (its
// main.ts, as stack/services.sh runs them), on one topic prefix and one database of the shared
// stack, so each one's CPU can be read from /proc. Replicas (two gateways, two bridges, two
// task-views) are just more processes: task-view replicas share a consumer group, bridges
// each read all of task-views, gateways are stateless.
import { createServer } from 'node:net';
import { spawnService, serving, type ServiceProcess } from '../test/support/service.js';

/** The first port from `from` that nothing listens on (the range is shared with ephemeral ports). */
async function freePort(from: number): Promise<number> {
  for (let port = from; port < from + 100; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}..${from + 99}`);
}

export interface Topology {
  gateways: number;
  bridges: number;
  taskViews: number;
  /** STREAMS_CONCURRENCY of every processor (partitions processed at once per instance). */
  concurrency?: number;
}

export interface SystemOptions extends Topology {
  prefix: string;
  mongoUrl: string;
  /** Every port the system listens on is portBase + a small offset (< 100). */
  portBase: number;
  runId: string;
}

export interface RunningService {
  name: string;
  /** The name in the CPU table: replicas of one service are summed under it. */
  group: string;
  process: ServiceProcess;
}

export interface RunningSystem {
  services: RunningService[];
  gatewayUrls: string[];
  bridgeUrls: string[];
  stop(): Promise<void>;
}

// Whatever ends the run (a test's timeout exits mocha), no service outlives it.
const live = new Set<ServiceProcess>();
process.on('exit', () => {
  for (const service of live) service.kill();
});

const PROCESSORS = ['settings-view', 'scheduler', 'recurrence', 'notifier', 'notification-view'] as const;

export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const common: Record<string, string> = {
    TOPIC_PREFIX: options.prefix,
    MONGO_URL: options.mongoUrl,
    // The access log at info is a line per request: production runs warn-level too.
    LOG_LEVEL: 'warn',
    TZ: 'UTC',
    ...(options.concurrency ? { STREAMS_CONCURRENCY: String(options.concurrency) } : {}),
  };
  let port = options.portBase;
  // Serialized: services launching together must not be handed the same port.
  let ports: Promise<number> = Promise.resolve(port);
  const next = (): Promise<number> => (ports = ports.then(async () => (port = await freePort(port + 1))));
  interface Planned {
    name: string;
    group: string;
    entry: string;
    url?: 'gateway' | 'bridge';
    /** The service's environment and health URL on `port`. */
    at: (port: number) => { env: Record<string, string>; health: string };
  }
  const plan: Planned[] = [];
  for (let i = 0; i < options.taskViews; i++) plan.push(processor(`task-view-${i + 1}`, 'task-view', 'streams/processors/task-view/main.ts'));
  for (const name of PROCESSORS) plan.push(processor(name, name, `streams/processors/${name}/main.ts`));
  function processor(name: string, group: string, entry: string): Planned {
    return { name, group, entry, at: (p) => ({ env: { METRICS_PORT: String(p), STREAMS_INSTANCE_ID: `${options.runId}-${name}` }, health: `http://127.0.0.1:${p}/readyz` }) };
  }
  for (let i = 0; i < options.gateways; i++) {
    plan.push({ name: `gateway-${i + 1}`, group: 'gateway', entry: 'gateway/main.ts', url: 'gateway', at: (p) => ({ env: { GATEWAY_PORT: String(p), GATEWAY_HOST: '127.0.0.1' }, health: `http://127.0.0.1:${p}/readyz` }) });
  }
  for (let i = 0; i < options.bridges; i++) {
    plan.push({ name: `bridge-${i + 1}`, group: 'bridge', entry: 'bridge/main.ts', url: 'bridge', at: (p) => ({ env: { BRIDGE_PORT: String(p) }, health: `http://127.0.0.1:${p}/healthz` }) });
  }
  const services: RunningService[] = [];
  const urls = new Map<Planned, string>();
  const stop = async () => {
    await Promise.all(
      services.map(async ({ process: s }) => {
        if (!s.running()) return;
        const timer = setTimeout(() => s.kill(), 15_000);
        s.child.kill('SIGTERM');
        await s.exited;
        clearTimeout(timer);
      }),
    );
  };
  // A free port can still be taken before the service listens: the range is shared with the
  // ephemeral ports of every outgoing connection on the machine. Such a service starts again on
  // the next free port.
  const launch = async (planned: Planned): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const { env, health } = planned.at(await next());
      const running: RunningService = { name: planned.name, group: planned.group, process: spawnService(planned.entry, { ...common, ...env }) };
      live.add(running.process);
      void running.process.exited.then(() => live.delete(running.process));
      try {
        await serving(running.process, health, 120_000);
        services.push(running);
        urls.set(planned, health.replace(/\/(readyz|healthz)$/, ''));
        return;
      } catch (err) {
        running.process.kill();
        // Also as a supervisor would: a service that exits before serving (on a loaded broker
        // a topic just created may not be in its metadata yet) is started once more.
        if (attempt >= 3) throw err;
      }
    }
  };
  try {
    await Promise.all(plan.map(launch));
  } catch (err) {
    await stop();
    throw err;
  }
  const urlsOf = (kind: 'gateway' | 'bridge') => plan.filter((p) => p.url === kind).map((p) => urls.get(p)!);
  return { services, gatewayUrls: urlsOf('gateway'), bridgeUrls: urlsOf('bridge'), stop };
}

/** Pids per CPU-table group. */
export function servicePids(system: RunningSystem): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const s of system.services) {
    if (s.process.child.pid) groups.set(s.group, [...(groups.get(s.group) ?? []), s.process.child.pid]);
  }
  return groups;
}
