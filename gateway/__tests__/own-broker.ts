// A single-node Kafka broker of the suite's own, for tests that take the broker away (pause it,
// stop it) without touching the shared stack: the stack's own scripts (stack/components/
// kafka.sh) run with their cache pointed at a fresh folder under .stack/, sharing only the
// fetched jars, on ports the caller picks.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { uniqueName } from '../../test/support/stack-env.js';

const ROOT = join(import.meta.dirname, '..', '..');

export class OwnBroker {
  readonly dir = join(ROOT, '.stack', 'own-brokers', uniqueName('broker'));

  /** `port` for clients; port + 1 and + 2 are its controller and JMX exporter ports. */
  constructor(readonly port: number) {}

  get brokers(): string[] {
    return [`localhost:${this.port}`];
  }

  private sh(fn: string): Promise<unknown> {
    return promisify(execFile)('bash', ['-c', `source stack/lib.sh; source stack/components/kafka.sh; ${fn}`], {
      cwd: ROOT,
      timeout: 150_000,
      env: {
        ...process.env,
        STACK_CACHE_DIR: this.dir,
        KAFKA_PORT: String(this.port),
        KAFKA_CONTROLLER_PORT: String(this.port + 1),
        KAFKA_JMX_PORT: String(this.port + 2),
      },
    });
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await symlink(join(ROOT, '.stack', 'dist'), join(this.dir, 'dist')).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    try {
      await this.sh('kafka_start');
    } catch (err) {
      // Say why: the script's own line and the broker log's last lines.
      const log = await readFile(join(this.dir, 'logs', 'kafka.log'), 'utf8').catch(() => '');
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw new Error(`own broker on ${this.port} did not start: ${stderr.trim()}\n${log.split('\n').slice(-20).join('\n')}`, { cause: err });
    }
  }

  private async pid(): Promise<number> {
    return Number((await readFile(join(this.dir, 'run', 'kafka.pid'), 'utf8')).trim());
  }

  /** SIGSTOP: connections stay open, nothing is answered (a broker in a long GC pause, a hung host). */
  async pause(): Promise<void> {
    process.kill(await this.pid(), 'SIGSTOP');
  }

  async resume(): Promise<void> {
    process.kill(await this.pid(), 'SIGCONT');
  }

  /** Stops the broker (resumed first, so it can shut down) and removes its data. */
  async destroy(): Promise<void> {
    await this.resume().catch(() => undefined);
    await this.sh('kafka_stop').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
