// `make chaos`: the full fault table against the chaos stack (stack/chaos.sh), each fault alone
// and then overlapping, checked by checker.ts. Prints one row per fault; exits 1 when the
// checker found a problem. About 12 minutes when every fault recovers; each fault that does not
// costs up to 2 minutes more (its timeout and the repair): 36 minutes measured with most failing.
//
//   CHAOS_PORT_BASE   first of the ~70 ports the run takes (default 19100)
//   CHAOS_USERS, CHAOS_WRITES_PER_SECOND   the workload (default 60 users, 17 writes/s)
//   CHAOS_FAULTS      a subset: names containing one of these comma-separated words
import { killLeaderBroker, killService, overlapping, pauseService, stopComponent } from './faults.js';
import { formatTable, runChaos } from './run.js';

const env = process.env;
// Ctrl-C: exit through process.exit, so services.ts's exit hook kills the services; the stack
// is left to `stack/chaos.sh down`.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
const processors = ['task-view-a', 'task-view-b', 'settings-view', 'scheduler', 'recurrence', 'notifier', 'notification-view'];
// CHAOS_FAULTS: only the faults whose names contain one of these comma-separated words.
const only = env.CHAOS_FAULTS?.split(',').filter(Boolean);
const result = await runChaos({
  portBase: Number(env.CHAOS_PORT_BASE ?? 19100),
  stack: 'own',
  users: Number(env.CHAOS_USERS ?? 60),
  devices: 20,
  writesPerSecond: Number(env.CHAOS_WRITES_PER_SECOND ?? 17),
  warmupMs: 30_000,
  settleMs: 8_000,
  reminderShare: 0.1,
  reminderDelayMs: 30_000,
  recoveryTimeoutMs: 45_000,
  drainTimeoutMs: 180_000,
  faults: [
    killLeaderBroker(15_000),
    ...processors.map((name) => killService(name)),
    killService('gateway'),
    killService('bridge'),
    stopComponent('postgres', 20_000),
    stopComponent('ferretdb', 20_000),
    stopComponent('registry', 20_000),
    stopComponent('connect', 20_000),
    // librdkafka's session.timeout.ms is 45 s: past it the group gives the partitions to task-view-b.
    pauseService('task-view-a', 55_000),
    overlapping('overlap: leader broker + gateway + task-view-b + postgres 20 s', [
      killLeaderBroker(15_000),
      killService('gateway'),
      killService('task-view-b'),
      stopComponent('postgres', 20_000),
    ]),
    overlapping('overlap: scheduler + bridge + connect 20 s + registry 20 s', [
      killService('scheduler'),
      killService('bridge'),
      stopComponent('connect', 20_000),
      stopComponent('registry', 20_000),
    ]),
  ].filter((f) => !only || only.some((word) => f.name.includes(word))),
});

process.stdout.write(`\n${formatTable(result.rows)}\n\n`);
process.stdout.write(
  `${result.writes} writes from ${result.users} users over ${result.workloadS.toFixed(0)} s; run ${result.durationS.toFixed(0)} s; ` +
    `${result.report.totals.events} task events, ${result.report.totals.pushes} socket pushes to ${result.report.totals.sockets} devices, ` +
    `${result.report.totals.reminders} reminders (${result.report.totals.remindersFired} fired), ${result.report.totals.auditChecked} events checked in the audit store\n`,
);
for (const note of result.report.notes.slice(0, 20)) process.stdout.write(`note: ${note}\n`);
for (const problem of result.report.problems) process.stdout.write(`PROBLEM ${problem}\n`);
process.stdout.write(`artifacts (writes, sockets, report, service logs): ${result.artifacts}\n`);
process.exit(result.report.ok ? 0 : 1);
