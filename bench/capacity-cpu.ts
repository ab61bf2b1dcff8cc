// Where the CPU goes, read from /proc: the CPU time (utime + stime, plus that of reaped
// children) of every process tree we name, before and after a measured window. A tree is a
// root pid and all its live descendants, so PostgreSQL's backends count for PostgreSQL and a
// backend that exited inside the window still counts (its time moved into its parent's cutime).
// The machine's own busy time is read from /proc/stat beside it, so what other engineers ran on
// the shared machine meanwhile is shown ("others") instead of silently blurring the figures.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

function readProcTable(): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields start after the last ')'.
      const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const field = (i: number) => Number(rest[i]);
      table.set(Number(entry), { ppid: field(1), ticks: field(11) + field(12) + field(13) + field(14) });
    } catch {
      // the process ended between readdir and read
    }
  }
  return table;
}

function treeTicks(root: number, table: Map<number, ProcStat>, children: Map<number, number[]>): number {
  if (!table.has(root)) return 0;
  let sum = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    sum += table.get(pid)?.ticks ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return sum;
}

/** The machine's busy and total jiffies across all cores (/proc/stat's first line). */
function machineTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = values.map(Number);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuSnapshot {
  at: number;
  /** CPU seconds per named group. */
  seconds: Map<string, number>;
  machineBusy: number;
  machineTotal: number;
  load1: number;
}

/** Named groups of process trees (one name may hold several roots: two gateway replicas). */
export type CpuGroups = () => Map<string, number[]>;

export function snapshot(groups: Map<string, number[]>): CpuSnapshot {
  const table = readProcTable();
  const children = new Map<number, number[]>();
  for (const [pid, stat] of table) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  const seconds = new Map<string, number>();
  for (const [name, roots] of groups) seconds.set(name, roots.reduce((sum, root) => sum + treeTicks(root, table, children), 0) / TICKS_PER_SECOND);
  const machine = machineTicks();
  return { at: Date.now(), seconds, machineBusy: machine.busy / TICKS_PER_SECOND, machineTotal: machine.total / TICKS_PER_SECOND, load1: loadavg()[0]! };
}

export interface CpuWindow {
  wallSeconds: number;
  /** CPU seconds used in the window per group, plus 'others' (the rest of the machine). */
  seconds: Map<string, number>;
  /** Share of the machine's cores busy in the window, 0..1. */
  machineBusyShare: number;
  /** Load average (1 min) at the window's end. */
  load1: number;
}

export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuWindow {
  const seconds = new Map<string, number>();
  let ours = 0;
  for (const [name, end] of after.seconds) {
    const used = Math.max(0, end - (before.seconds.get(name) ?? end));
    seconds.set(name, used);
    ours += used;
  }
  const busy = after.machineBusy - before.machineBusy;
  seconds.set('others (not ours)', Math.max(0, busy - ours));
  const total = after.machineTotal - before.machineTotal;
  return { wallSeconds: (after.at - before.at) / 1000, seconds, machineBusyShare: total > 0 ? busy / total : 0, load1: after.load1 };
}

/**
 * The stack's processes from its run dir's pid files (stack/lib.sh: $STACK_CACHE_DIR/run, else
 * .stack/run), under the names the table prints. PostgreSQL's pid file holds the postmaster.
 */
export function stackPids(runDir: string): Map<string, number[]> {
  const names: Record<string, string> = { kafka: 'Kafka', registry: 'registry', connect: 'Connect', ferretdb: 'FerretDB', postgres: 'PostgreSQL' };
  const found = new Map<string, number[]>();
  for (const [file, name] of Object.entries(names)) {
    const path = join(runDir, `${file}.pid`);
    if (!existsSync(path)) continue;
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (pid > 0 && existsSync(`/proc/${pid}`)) found.set(name, [pid]);
  }
  return found;
}

export function defaultStackRunDir(root: string): string {
  return process.env.STACK_RUN_DIR ?? join(process.env.STACK_CACHE_DIR ?? join(root, '.stack'), 'run');
}
