// A database outage a spec can cause without touching the shared stack: a FerretDB of the spec's
// own (the stack's binary) on a PostgreSQL database of its own in the stack's server, reached
// through a TCP proxy the spec cuts and restores. To that FerretDB, a cut is PostgreSQL going
// away: it stays up and answers every command with InternalError (code 1) and no SQLSTATE,
// exactly what the audit sink met in `make chaos`; every other client of the stack keeps its
// database.
//
// Why a database of its own: two FerretDB processes on one PostgreSQL database share its
// metadata tables, and each caches them. The stack's FerretDB, once another had created the `todo`
// schema behind its back, failed every later write there ("relation _ferretdb_database_metadata
// already exists", SQLSTATE 42P07) until it was restarted.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort } from '../../../test/support/free-port.js';
import { waitFor } from '../../../test/support/wait-for.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** The stack's FerretDB binary (stack/components/ferretdb.sh), if this machine has the local stack. */
export const ferretDbBinary = (): string | null => {
  const path = join(process.env.STACK_CACHE_DIR ?? join(ROOT, '.stack'), 'dist', 'ferretdb', 'ferretdb');
  return existsSync(path) ? path : null;
};

/** The server's psql (stack/components/postgres.sh finds its binaries the same way), newest version first. */
function psql(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => b.localeCompare(a, 'en', { numeric: true })) : [];
  const found = versions.map((v) => join(root, v, 'bin', 'psql')).find((path) => existsSync(path));
  if (!found) throw new Error(`no psql under ${root}/*/bin: the local stack installs it (make setup)`);
  return found;
}

function sql(postgresUrl: string, statement: string): void {
  const url = new URL(postgresUrl);
  url.pathname = '/postgres';
  execFileSync(psql(), [url.href, '-v', 'ON_ERROR_STOP=1', '-qAtc', statement], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface DatabaseOutage {
  /** The spec's own FerretDB. */
  mongoUrl: string;
  /** PostgreSQL goes away behind FerretDB: its connections are cut and new ones refused. */
  cut(): Promise<void>;
  /** PostgreSQL is back. */
  restore(): Promise<void>;
  stop(): Promise<void>;
}

/** A TCP proxy to `target` that can drop every connection and refuse new ones, then listen again on the same port. */
class CuttableProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async listen(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', drop).on('close', drop);
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.port, '127.0.0.1', resolve));
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    // close() waits for the open connections, so they are destroyed before it is awaited.
    const closed = server ? new Promise((resolve) => server.close(resolve)) : Promise.resolve();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

export async function startDatabaseOutage(postgresUrl: string): Promise<DatabaseOutage> {
  const binary = ferretDbBinary();
  if (!binary) throw new Error('no FerretDB binary: run make setup');
  const pg = new URL(postgresUrl);
  const database = `redrive_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  sql(postgresUrl, `CREATE DATABASE ${database}`);
  const proxy = new CuttableProxy(await freePort(), { host: pg.hostname, port: Number(pg.port || 5432) });
  await proxy.listen();
  const [port, debugPort] = [await freePort(), await freePort()];
  const stateDir = mkdtempSync(join(tmpdir(), 'redrive-ferretdb-'));
  const viaProxy = new URL(postgresUrl);
  viaProxy.port = String(proxy.port);
  viaProxy.pathname = `/${database}`;
  const ferret: ChildProcess = spawn(
    binary,
    [
      '--handler=postgresql',
      `--postgresql-url=${viaProxy.href}`,
      `--state-dir=${stateDir}`,
      `--listen-addr=127.0.0.1:${port}`,
      `--debug-addr=127.0.0.1:${debugPort}`,
      '--telemetry=disable',
      '--log-level=ERROR',
    ],
    { stdio: 'ignore' },
  );
  const exited = once(ferret, 'exit');
  // Whatever ends the spec's process (a timeout, an uncaught error), its FerretDB goes with it.
  const killOnExit = () => ferret.kill('SIGKILL');
  process.on('exit', killOnExit);
  const mongoUrl = `mongodb://localhost:${port}/todo`;
  await waitFor(
    async () => {
      const client = await MongoClient.connect(mongoUrl, { serverSelectionTimeoutMS: 1000 });
      try {
        return (await client.db('todo').command({ ping: 1 })).ok === 1;
      } finally {
        await client.close();
      }
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'the spec’s own FerretDB to answer a ping' },
  );
  return {
    mongoUrl,
    cut: () => proxy.cut(),
    restore: () => proxy.listen(),
    async stop() {
      process.off('exit', killOnExit);
      await proxy.cut();
      if (ferret.exitCode === null && ferret.signalCode === null) {
        ferret.kill('SIGTERM');
        await exited;
      }
      rmSync(stateDir, { recursive: true, force: true });
      sql(postgresUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
}
