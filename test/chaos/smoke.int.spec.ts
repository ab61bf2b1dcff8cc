// The chaos suite's smoke (in `make test`, alone: `make chaos-smoke`): the 3-node cluster of stack/chaos.sh
// (its own ports, RF 3, min.insync.replicas 2), the real services, a small workload with devices
// and reminders, and one fault: kill -9 of the broker leading the busiest partition. Registry
// and database are the shared dev stack's (unique topic prefix and database, never faulted), so
// the audit store (Kafka Connect) is not checked here by design; `make chaos` checks it.
import assert from 'node:assert/strict';
import { stackEnv } from '../support/stack-env.js';
import { killLeaderBroker } from './faults.js';
import { formatTable, runChaos } from './run.js';
import { ChaosStack } from './stack.js';

const PORT_BASE = Number(process.env.CHAOS_SMOKE_PORT_BASE ?? 19200);

describe('chaos smoke: kill -9 of the leader broker of a 3-node cluster', function () {
  // The sum of the run's own bounds, not a guess: the cluster and the services start (about a
  // minute, more on a loaded machine), warm-up 8 s, the kill and the restart 8 s later, the node's
  // start (stack/chaos.sh waits up to CHAOS_NODE_START_TIMEOUT_S, 420 s), the recovery window
  // (45 s), settle 5 s, task-view's drain (up to 60 s) and the checker. 360 s was less than that
  // sum: a run on an idle machine whose node took 256 s to come back checked green after mocha
  // had already failed it.
  this.timeout(840_000);
  // A run cut short by the timeout never reaches its own clean-up: the 3 nodes must not outlive it.
  after(() => new ChaosStack(PORT_BASE).down());

  it('loses and duplicates no acknowledged write, and every device and reminder gets its changes once', async () => {
    const lines: string[] = [];
    const result = await runChaos({
      portBase: PORT_BASE,
      stack: { shared: { registryUrl: stackEnv.schemaRegistryUrl, mongoBaseUrl: stackEnv.mongoUrl } },
      users: 12,
      partitions: 3,
      devices: 4,
      writesPerSecond: 12,
      warmupMs: 8000,
      settleMs: 5000,
      reminderShare: 0.15,
      reminderDelayMs: 12_000,
      faults: [killLeaderBroker(8000)],
      recoveryTimeoutMs: 45_000,
      drainTimeoutMs: 60_000,
      log: (line) => {
        lines.push(line);
        process.stdout.write(`      [chaos] ${line}\n`);
      },
    });
    const table = formatTable(result.rows);
    const { totals } = result.report;
    process.stdout.write(`${table}\n      reminders fired ${totals.remindersFired} of ${totals.reminders}; ${result.writes} writes in ${result.workloadS.toFixed(0)} s; run ${result.durationS.toFixed(0)} s\n`);
    const why = `${table}\n${result.report.problems.join('\n')}\n${lines.join('\n')}`;
    assert.deepEqual(result.report.problems, [], why);
    const fault = result.rows.find((r) => r.fault === 'kill -9 leader broker');
    assert.ok(fault && fault.acked > 0 && fault.recoveryS !== null && fault.recoveryS > 0, why);
    assert.ok(result.report.totals.pushes > 0 && result.report.totals.remindersFired > 0, why);
  });
});
