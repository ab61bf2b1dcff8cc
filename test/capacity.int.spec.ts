// A smoke of the capacity benchmark (make bench-capacity), so its code does not rot: the whole
// system as processes on the real stack, two users with two devices each for a few seconds,
// and a report in which every service level was measured, with the CPU of every process read.
import assert from 'node:assert/strict';
import { CapacityRig, SERVICE_LEVELS, cpuPerThousandActions } from '../bench/capacity-run.js';

describe('capacity benchmark smoke (real stack, services as processes)', function () {
  this.timeout(180_000);
  const rig = new CapacityRig(45_800);

  before(async () => {
    await rig.setup();
    await rig.start({ gateways: 1, bridges: 1, taskViews: 1 });
  });

  after(() => rig.teardown());

  it('given two users for a few seconds, the report measures every service level and the CPU of every service', async () => {
    // Quick thinkers, and every kind of action first (a reminder and a recurring completion
    // among them), so a few seconds cover every level whatever the random mix draws.
    const step = await rig.step(2, 20, { warmupSec: 1, measureSec: 5, thinkMs: 150, reminderShare: 0.6, recurringShare: 0.2, opening: true });
    for (const level of step.levels) assert.ok(level.samples > 0, `${level.name} was not measured: ${JSON.stringify(step.report)}`);
    assert.equal(step.levels.length, SERVICE_LEVELS.length);
    assert.equal(step.report.errors, 0, step.report.errorSamples.join('\n'));
    assert.ok(step.taskEventsPerSecond > 0, 'no events were written');
    const cpu = cpuPerThousandActions(step, { net: false });
    for (const name of ['gateway', 'bridge', 'task-view', 'scheduler', 'notifier', 'load generator']) {
      assert.ok((cpu.get(name) ?? 0) > 0, `no CPU read for ${name}: ${JSON.stringify([...cpu])}`);
    }
  });
});
