// How many users one machine serves within the service levels, where every CPU-second goes,
// and how cost grows (issue 15). `make bench-capacity [CAPACITY=steps|growth|partitions|scale]`,
// i.e. `npx tsx bench/capacity.bench.ts <mode>`:
//
//   steps       the whole system (one instance of each service), N users stepped up
//               (CAPACITY_STEPS, default 2,5,10,25,50,100,200) until a service level breaks
//   growth      the same mix at 100, 1,000 and 10,000 tasks per user (fewer users at 10,000;
//               CAPACITY_GROWTH_SIZES=100:10,1000:10,10000:2 as tasks:users pairs)
//   partitions  every processor at STREAMS_CONCURRENCY 1, 2 and 4, at one load
//   scale       two gateways, two bridges and two task-views, stepped up as in `steps`
//
// Every service runs as its own process against the shared stack on a fresh topic prefix and
// database (dropped after); ports from CAPACITY_PORT_BASE (default 45000). Per step it prints
// the service levels, events/s, the machine's load and CPU-seconds per 1,000 user actions of
// every process (services, stack, load generator, and what others ran meanwhile), and writes
// bench/results/capacity-<mode>.json and PNG charts beside it.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { barChart, lineCharts } from './capacity-chart.js';
import { CapacityRig, NOT_THE_SYSTEM, cpuCeiling, cpuPerThousandActions, systemCpuPerThousand, type StepOptions, type StepResult } from './capacity-run.js';
import type { Topology } from './capacity-system.js';

const mode = process.argv[2] ?? 'steps';
/** Files are bench/results/capacity-<mode><CAPACITY_NAME>.*: a name keeps runs apart. */
const name = `${mode}${process.env.CAPACITY_NAME ? `-${process.env.CAPACITY_NAME}` : ''}`;
const RESULTS = join(import.meta.dirname, 'results');
const PORT_BASE = Number(process.env.CAPACITY_PORT_BASE ?? 45_000);
const say = (line = '') => process.stdout.write(`${line}\n`);
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const TASKS = num('CAPACITY_TASKS', 200);
const STEP: StepOptions = { warmupSec: num('CAPACITY_WARMUP_S', 5), measureSec: num('CAPACITY_MEASURE_S', 25), thinkMs: num('CAPACITY_THINK_MS', 1000) };
const STEPS = (process.env.CAPACITY_STEPS ?? '2,5,10,25,50,100,200').split(',').map(Number);
const SINGLE: Topology = { gateways: 1, bridges: 1, taskViews: 1 };
const SCALED: Topology = { gateways: 2, bridges: 2, taskViews: 2 };

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const machine = (s: StepResult) => `load ${s.cpu.load1.toFixed(1)} on ${cpus().length} cores, machine ${(s.cpu.machineBusyShare * 100).toFixed(0)}% busy`;

function printStep(s: StepResult): void {
  const r = s.report;
  say(`\n${s.label}: ${s.users} users (${r.devices} devices), ${s.tasksPerUser} tasks each, ${r.measureSec} s window — ${machine(s)}`);
  say(`  ${f0(r.totalActions / r.measureSec)} actions/s (${Object.entries(r.actions).map(([k, n]) => `${k} ${n}`).join(', ')}); task-events ${f0(s.taskEventsPerSecond)}/s, all records ${f0(s.allRecordsPerSecond)}/s`);
  for (const l of s.levels) say(`  ${l.held ? 'ok  ' : 'FAIL'} ${l.name.padEnd(40)} ${`${f0(l.value)} ${l.unit}`.padStart(10)}  (limit ${l.limit === 0 ? '0' : `< ${l.limit} ${l.unit}`}, ${l.samples} samples)`);
  say(`       write p50 ${f0(r.writeAnswer.p50)} ms, device p50 ${f0(r.otherDevice.p50)} ms, list p50 ${f0(r.list.p50)} / p99 ${f0(r.list.p99)} ms, get p95 ${f0(r.get.p95)} ms, reminder lateness p50/p99 ${f0(r.reminderLateness.p50)}/${f0(r.reminderLateness.p99)} ms, next occurrence p99 ${f0(r.nextOccurrence.p99)} ms, ${r.rywTimeouts} writes answered 202`);
  for (const e of r.errorSamples.slice(0, 3)) say(`       error: ${e}`);
}

function cpuTable(steps: StepResult[]): string[] {
  const names = [...new Set(steps.flatMap((s) => [...s.cpu.seconds.keys()]))];
  const perK = steps.map((s) => cpuPerThousandActions(s));
  const lines = [`  ${'CPU-s per 1,000 actions'.padEnd(26)}${steps.map((s) => s.label.padStart(12)).join('')}    (net of each process's idle rate just before the step)`];
  const sorted = names.filter((n) => !NOT_THE_SYSTEM.has(n)).sort((a, b) => (perK.at(-1)!.get(b) ?? 0) - (perK.at(-1)!.get(a) ?? 0));
  const row = (name: string, cells: string[]) => lines.push(`  ${name.padEnd(26)}${cells.map((c) => c.padStart(12)).join('')}`);
  for (const name of sorted) row(name, perK.map((m) => f2(m.get(name) ?? NaN)));
  row('= the system', steps.map((s) => f2(systemCpuPerThousand(s))));
  row('load generator', perK.map((m) => f2(m.get('load generator') ?? NaN)));
  row('others (not ours)', perK.map((m) => f2(m.get('others (not ours)') ?? NaN)));
  // The stack is shared with other engineers' tests: its net figures swing with their load.
  const gross = steps.map((s) => cpuPerThousandActions(s, { net: false }));
  for (const name of ['Kafka', 'FerretDB', 'PostgreSQL', 'registry', 'Connect']) if (names.includes(name)) row(`${name}, gross`, gross.map((m) => f2(m.get(name) ?? NaN)));
  row('share of the system', steps.map(() => ''));
  for (const name of sorted.slice(0, 4)) row(`  ${name}`, steps.map((s, i) => `${(((perK[i]!.get(name) ?? 0) / systemCpuPerThousand(s)) * 100).toFixed(0)}%`));
  row('CPU ceiling (actions/s)', steps.map((s) => f0(cpuCeiling(s, cpus().length))));
  row('machine load (1 min)', steps.map((s) => s.cpu.load1.toFixed(1)));
  row('machine busy', steps.map((s) => `${(s.cpu.machineBusyShare * 100).toFixed(0)}%`));
  return lines;
}

async function cpuChart(steps: StepResult[], name: string, title: string): Promise<void> {
  const rows = steps.flatMap((s) => [...cpuPerThousandActions(s)].filter(([process]) => process !== 'others (not ours)').map(([process, value]) => ({ process, series: s.label, value })));
  await barChart(rows, title, 'CPU-seconds per 1,000 user actions', join(RESULTS, `${name}.png`));
}

/** Steps up until one fails; the capacity is the largest N before it. */
async function stepUp(rig: CapacityRig, topology: Topology, label: string): Promise<StepResult[]> {
  await rig.start(topology);
  const steps: StepResult[] = [];
  for (const users of STEPS) {
    const step = await rig.step(users, TASKS, { ...STEP, label: `N=${users}` });
    printStep(step);
    steps.push(step);
    if (!step.held) break;
  }
  const held = steps.filter((s) => s.held).at(-1);
  const broke = steps.find((s) => !s.held);
  say(`\n${label}: capacity ${held ? `N = ${held.users} users (${f0(held.report.totalActions / held.report.measureSec)} actions/s, ${f0(held.taskEventsPerSecond)} task-events/s, ${f0(held.allRecordsPerSecond)} records/s on all topics)` : `below N = ${STEPS[0]}`}`);
  if (broke) say(`  first broken at N = ${broke.users}: ${broke.levels.filter((l) => !l.held).map((l) => `${l.name} ${f0(l.value)} ${l.unit}`).join('; ')} — ${machine(broke)}`);
  // The same machine without the other engineers: the system's own CPU per action bounds it.
  const basis = steps.at(-1)!;
  const perUser = basis.report.totalActions / basis.report.measureSec / basis.users;
  const ceiling = cpuCeiling(basis, cpus().length);
  say(`  CPU ceiling: ${f2(systemCpuPerThousand(basis))} CPU-s per 1,000 actions (at ${basis.label}) → ${f0(ceiling)} actions/s on ${cpus().length} cores = ${f0(ceiling / perUser)} users at ${perUser.toFixed(2)} actions/s each, if the system had the cores to itself`);
  return steps;
}

async function main(): Promise<void> {
  await mkdir(RESULTS, { recursive: true });
  const rig = new CapacityRig(PORT_BASE, { audit: process.env.CAPACITY_AUDIT !== '0' });
  const results: Record<string, unknown> = { mode, at: new Date().toISOString(), tasksPerUser: TASKS, step: STEP };
  try {
    await rig.setup();
    if (mode === 'steps' || mode === 'scale') {
      const steps = await stepUp(rig, mode === 'steps' ? SINGLE : SCALED, mode === 'steps' ? 'one instance of each service' : 'two gateways, two bridges, two task-views');
      say('\n' + cpuTable(steps).join('\n'));
      await cpuChart(steps, `capacity-${name}-cpu`, `CPU per 1,000 user actions by process (${mode === 'steps' ? 'one instance each' : '2 gateways, 2 bridges, 2 task-views'})`);
      results.steps = steps;
    } else if (mode === 'growth') {
      await rig.start(SINGLE);
      // tasks-per-user:users pairs; fewer users at 10,000 (seeding is the long part).
      const sizes = (process.env.CAPACITY_GROWTH_SIZES ?? '100:10,1000:10,10000:2').split(',').map((pair) => {
        const [perUser, users] = pair.split(':').map(Number);
        return { perUser: perUser!, users: users! };
      });
      const steps: StepResult[] = [];
      for (const size of sizes) {
        const step = await rig.step(size.users, size.perUser, { ...STEP, label: `${size.perUser}/user` });
        printStep(step);
        steps.push(step);
      }
      say('\n' + cpuTable(steps).join('\n'));
      growthTable(steps, 'tasks/user', (s) => s.tasksPerUser);
      await lineCharts(growthRows(steps, (s) => s.tasksPerUser, 'per user'), 'tasks per user (log)', 'How cost grows with the tasks per user', join(RESULTS, `capacity-${name}.png`));
      await cpuChart(steps, `capacity-${name}-cpu`, 'CPU per 1,000 user actions by process, by tasks per user');
      results.steps = steps;
    } else if (mode === 'partitions') {
      const steps: StepResult[] = [];
      const users = num('CAPACITY_PARTITIONS_USERS', 10);
      // A fresh prefix and database per setting: restarted on the same consumer groups, task-view
      // applied almost nothing for the next minute (bench/results/capacity-partitions-restarted.txt).
      for (const concurrency of [1, 2, 4]) {
        const own = new CapacityRig(PORT_BASE + 200, { audit: process.env.CAPACITY_AUDIT !== '0' });
        try {
          await own.setup();
          await own.start({ ...SINGLE, concurrency });
          const step = await own.step(users, TASKS, { ...STEP, label: `${concurrency} at once` });
          printStep(step);
          steps.push(step);
        } finally {
          await own.teardown();
        }
      }
      say('\n' + cpuTable(steps).join('\n'));
      growthTable(steps, 'partitions at once', (s) => Number(s.label.split(' ')[0]));
      await lineCharts(growthRows(steps, (s) => Number(s.label.split(' ')[0]), `N=${users}`), 'partitions processed at once per instance (STREAMS_CONCURRENCY, log)', 'Cost by partitions per processor instance', join(RESULTS, `capacity-${name}.png`));
      results.steps = steps;
    } else {
      throw new Error(`unknown mode ${mode}: steps, growth, partitions or scale`);
    }
  } finally {
    await rig.teardown();
  }
  await writeFile(join(RESULTS, `capacity-${name}.json`), JSON.stringify(results, (_, v: unknown): unknown => (v instanceof Map ? Object.fromEntries(v as Map<string, unknown>) : v), 2));
  say(`\nresults: bench/results/capacity-${name}.json and its PNG charts`);
}

function growthRows(steps: StepResult[], x: (s: StepResult) => number, series: string) {
  return steps.flatMap((s) => {
    const perK = cpuPerThousandActions(s);
    const ours = systemCpuPerThousand(s);
    return [
      { x: x(s), y: s.report.list.p95, metric: 'list p95 (ms)', series },
      { x: x(s), y: ours, metric: 'CPU-s per 1,000 actions (the system)', series },
      { x: x(s), y: (perK.get('FerretDB') ?? 0) + (perK.get('PostgreSQL') ?? 0), metric: 'CPU-s per 1,000 actions (FerretDB + PostgreSQL)', series },
    ];
  });
}

function growthTable(steps: StepResult[], what: string, x: (s: StepResult) => number): void {
  say(`\n  ${what.padEnd(20)}${'users'.padStart(7)}${'actions/s'.padStart(11)}${'list p50'.padStart(10)}${'list p95'.padStart(10)}${'get p95'.padStart(9)}${'write p99'.padStart(11)}${'device p99'.padStart(12)}${'CPU-s/1k'.padStart(10)}${'DB CPU-s/1k'.padStart(13)}  machine`);
  for (const s of steps) {
    const perK = cpuPerThousandActions(s);
    const ours = systemCpuPerThousand(s);
    const db = (perK.get('FerretDB') ?? 0) + (perK.get('PostgreSQL') ?? 0);
    const r = s.report;
    say(
      `  ${String(x(s)).padEnd(20)}${String(s.users).padStart(7)}${f0(r.totalActions / r.measureSec).padStart(11)}${f0(r.list.p50).padStart(10)}${f0(r.list.p95).padStart(10)}${f0(r.get.p95).padStart(9)}${f0(r.writeAnswer.p99).padStart(11)}${f0(r.otherDevice.p99).padStart(12)}${f2(ours).padStart(10)}${f2(db).padStart(13)}  ${machine(s)}`,
    );
  }
}

await main();
process.exit(0);
