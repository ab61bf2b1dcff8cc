// kafka_consumergroup_lag against the real broker: measured from the group's committed offsets,
// so a processor stuck on one batch shows its backlog growing (the batch high watermark did not:
// it only moves when a batch commits), and the lag falls back to 0 once the work is committed.
import assert from 'node:assert/strict';
import type { Gauge } from 'prom-client';
import { uniqueName } from '../../../test/support/stack-env.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { LAG_METRIC } from '../lag.js';
import type { StreamsApp } from '../runtime.js';
import type { Processor } from '../types.js';
import { changeFor, committedRecords, newApp, physical, produceEvents, registeredPrefix, startAndAssign, taskCreated } from './support.js';

describe('streams runtime: consumer lag from committed offsets (real broker)', function () {
  this.timeout(60_000);
  let app: StreamsApp | undefined;
  afterEach(() => app?.stop());

  it('shows the backlog of a partition whose batch is held, per partition, and 0 once it commits', async () => {
    const prefix = await registeredPrefix('rt-lag');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const processor: Processor = {
      name: uniqueName('lag'),
      inputs: ['task-events'],
      outputs: ['task-views'],
      // The first batch waits for the test: the consumer is paused on it, as a stuck batch would be.
      async process(record, ctx) {
        await held;
        ctx.forward({ topic: 'task-views', key: record.key, value: changeFor(record) });
      },
    };
    app = newApp(processor, prefix);
    await startAndAssign(app);
    const gauge = app.options.registry.getSingleMetric(LAG_METRIC) as Gauge;
    const lagOf = async () => {
      const { values } = await gauge.get();
      return values.filter((v) => v.labels.topic === physical('task-events', prefix));
    };

    await produceEvents(prefix, Array.from({ length: 5 }, () => taskCreated('lag-user')));
    const stuck = await waitFor(async () => (await lagOf()).find((v) => v.value === 5), { timeoutMs: 20_000, what: 'a lag of 5 on the held partition' });
    const all = await lagOf();
    console.log(`      while held: ${all.filter((v) => v.value > 0).map((v) => `${v.labels.topic}[${v.labels.partition}]=${v.value}`).join(', ')} (group ${String(stuck.labels.consumergroup)})`);
    assert.equal(stuck.labels.processor, processor.name);
    assert.equal(stuck.labels.consumergroup, app.groupId);
    // Every input partition is reported; only the held one lags.
    assert.equal(all.length, 6);
    assert.deepEqual(all.filter((v) => v.value > 0).map((v) => v.labels.partition), [stuck.labels.partition]);

    const committed = committedRecords(app, 5);
    release();
    await committed;
    await waitFor(async () => (await lagOf()).every((v) => v.value === 0), { timeoutMs: 20_000, what: 'the lag back to 0' });
  });
});
