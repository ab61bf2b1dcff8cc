// The real services of the chaos run, each its own process (its main.ts), pointed at the chaos
// stack by environment. A service can be killed (SIGKILL), paused (SIGSTOP/SIGCONT) and
// restarted; its output is appended to <logDir>/<name>.log, kept across restarts.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

// Whatever happens to the run (a test timeout exits the process), no service outlives it.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface ServiceSpec {
  name: string;
  entry: string;
  /** GET answers 2xx when the process serves. */
  healthUrl: string;
  env: Record<string, string>;
}

/**
 * Ports: base+51 gateway, +52 bridge, +61.. the processors' metrics, +68 the audit re-drive's
 * (stack/chaos.sh's plan). The re-drive runs only beside a Connect of the run's own (`audit`):
 * without the audit sink there is nothing to re-drive.
 */
export function serviceSpecs(portBase: number, stackEnv: Record<string, string>, { audit = true } = {}): ServiceSpec[] {
  const processor = (name: string, entry: string, offset: number, extra: Record<string, string> = {}): ServiceSpec => ({
    name,
    entry,
    healthUrl: `http://localhost:${portBase + offset}/metrics`,
    env: { METRICS_PORT: String(portBase + offset), STREAMS_INSTANCE_ID: name, ...extra },
  });
  const gatewayPort = portBase + 51;
  const bridgePort = portBase + 52;
  const specs: ServiceSpec[] = [
    // Two replicas of task-view in one consumer group, each with its own stable instance id.
    processor('task-view-a', 'streams/processors/task-view/main.ts', 61),
    processor('task-view-b', 'streams/processors/task-view/main.ts', 62),
    processor('settings-view', 'streams/processors/settings-view/main.ts', 63),
    processor('scheduler', 'streams/processors/scheduler/main.ts', 64),
    processor('recurrence', 'streams/processors/recurrence/main.ts', 65),
    processor('notifier', 'streams/processors/notifier/main.ts', 66),
    processor('notification-view', 'streams/processors/notification-view/main.ts', 67),
    ...(audit ? [processor('audit-redrive', 'connectors/redrive/main.ts', 68, { TOPIC_REPLICATION: '3' })] : []),
    {
      name: 'gateway',
      entry: 'gateway/main.ts',
      healthUrl: `http://localhost:${gatewayPort}/readyz`,
      env: { GATEWAY_PORT: String(gatewayPort), BRIDGE_PORT: String(bridgePort) },
    },
    { name: 'bridge', entry: 'bridge/main.ts', healthUrl: `http://localhost:${bridgePort}/healthz`, env: { BRIDGE_PORT: String(bridgePort) } },
  ];
  for (const spec of specs) spec.env = { ...stackEnv, TZ: 'UTC', LOG_LEVEL: 'info', ...spec.env };
  return specs;
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

export class Service {
  private child: ChildProcess | null = null;
  private exited: Promise<unknown[]> = Promise.resolve([]);
  /** Set by kill() and stop(): the exit that follows was asked for. */
  private exitExpected = false;
  /** It answered its health URL since its last start: an exit before that is a start-up retry. */
  private served = false;
  /** Exits nobody asked for (a crash): a supervisor would hide them, the run reports them. */
  readonly crashes: string[] = [];

  constructor(
    readonly spec: ServiceSpec,
    private readonly logDir: string,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running()) throw new Error(`${this.name} is already running`);
    const log = openSync(join(this.logDir, `${this.name}.log`), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, this.spec.entry)], {
      cwd: ROOT,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.exitExpected = false;
    this.served = false;
    live.add(child);
    this.exited = once(child, 'exit');
    void this.exited.then(([code, signal]: unknown[]) => {
      live.delete(child);
      if (!this.exitExpected && this.served) this.crashes.push(`${this.name} exited on its own at ${new Date().toISOString()} (code ${String(code)}, signal ${String(signal)}; see ${this.name}.log)`);
    });
  }

  /** Resolves once the health URL answers; rejects if the process exits or time runs out. */
  async ready(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await answers(this.spec.healthUrl))) {
      if (!this.running()) throw new Error(`${this.name} exited before serving ${this.spec.healthUrl} (see its log)`);
      if (Date.now() > deadline) throw new Error(`${this.name} not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
    this.served = true;
  }

  /**
   * Starts the service as a supervisor would: when it exits before serving (a dependency still
   * down at start-up), it is started again a second later, until it serves or time runs out.
   */
  async supervise(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running()) this.start();
      try {
        await this.ready(Math.max(1000, deadline - Date.now()));
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  async healthy(): Promise<boolean> {
    return this.running() && (await answers(this.spec.healthUrl));
  }

  /** SIGKILL and wait until the process is gone: no shutdown hook runs. */
  async kill(): Promise<void> {
    if (!this.running()) return;
    this.exitExpected = true;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.running()) return;
    this.exitExpected = true;
    this.child?.kill('SIGCONT');
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
