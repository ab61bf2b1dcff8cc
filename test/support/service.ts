// A project service as its own process (its main.ts), for tests that kill it for real. Keeps
// the last lines of its output for failure messages and notes when it owned its partitions.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { stackEnv } from './stack-env.js';
import { waitFor } from './wait-for.js';

const ROOT = join(import.meta.dirname, '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** The last 50 lines of stdout and stderr. */
  output: string[];
  /** ms from spawn to owning partitions (start-up plus the group's wait for a killed member). */
  assignedAfter: () => number | undefined;
  /** Resolves once the process logged that it owns partitions; rejects if it exits first. */
  assigned: Promise<void>;
  running: () => boolean;
  /** SIGKILL if still running (for after() hooks). */
  kill: () => void;
}

/** Spawns `entry` (relative to the repository) against the test stack, with `env` on top. */
export function spawnService(entry: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, entry)], {
    cwd: ROOT,
    env: {
      ...process.env,
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      MONGO_URL: stackEnv.mongoUrl,
      KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const spawnedAt = Date.now();
  let assignedAfter: number | undefined;
  let onAssigned: () => void = () => undefined;
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const assigned = new Promise<void>((resolve, reject) => {
    onAssigned = resolve;
    void exited.then(([code, signal]) => reject(new Error(`${entry} exited (${code ?? signal}) before owning partitions:\n${output.join('\n')}`)));
  });
  assigned.catch(() => undefined);
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      if (assignedAfter === undefined && line.includes('"partitions assigned"')) {
        assignedAfter = Date.now() - spawnedAt;
        onAssigned();
      }
      output.push(line);
    }
    output.splice(0, Math.max(0, output.length - 50));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const running = () => child.exitCode === null && child.signalCode === null;
  return { child, exited, output, assignedAfter: () => assignedAfter, assigned, running, kill: () => void (running() && child.kill('SIGKILL')) };
}

/**
 * Resolves once GET `url` answers 2xx: readiness for a service that logs no partition
 * assignment (the bridge reads without a consumer group). Rejects if the process exits first.
 */
export async function serving(service: ServiceProcess, url: string, timeoutMs = 30_000): Promise<void> {
  const died = service.exited.then(([code, signal]) => {
    throw new Error(`exited (${code ?? signal}) before serving ${url}:\n${service.output.join('\n')}`);
  });
  const ok = waitFor(async () => service.running() && (await fetch(url)).ok, { timeoutMs, intervalMs: 100, what: `${url} to answer` });
  await Promise.race([ok, died]);
}
