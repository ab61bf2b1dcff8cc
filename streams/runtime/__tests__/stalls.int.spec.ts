// A transient failure that lasts: the partition keeps retrying the same batch (nothing skipped,
// nothing dead-lettered), and past the stall budget the process says so on /readyz and in
// streams_ready / streams_retry_stalled_seconds, until the batch goes through.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { TransientError } from '../../../platform/index.js';
import { uniqueName } from '../../../test/support/stack-env.js';
import type { AbortedEvent, StreamsApp } from '../runtime.js';
import type { InputRecord, ProcessorContext } from '../types.js';
import { committedRecords, echoProcessor, newApp, physical, produceEvents, readAll, registeredPrefix, startAndAssign, taskCreated } from './support.js';

describe('streams runtime: stalls on transient failures (real broker)', function () {
  this.timeout(60_000);
  let app: StreamsApp | undefined;
  afterEach(() => app?.stop());

  it('retries without skipping, turns not ready past the budget, and ready again once the batch goes through', async () => {
    const prefix = await registeredPrefix('rt-stall');
    let databaseDown = true;
    const echo = echoProcessor(uniqueName('stall'));
    const processor = {
      ...echo,
      process(record: InputRecord, ctx: ProcessorContext) {
        if (databaseDown) throw new TransientError('DB_UNREACHABLE', 'the database does not answer');
        return echo.process(record, ctx);
      },
    };
    app = newApp(processor, prefix, { stallBudgetMs: 400, retryInitialMs: 50, retryMaxMs: 100, metricsPort: 0 });
    await startAndAssign(app);
    const readyz = () => fetch(`http://127.0.0.1:${app!.metricsPort}/readyz`);
    assert.equal((await readyz()).status, 200);

    const event = taskCreated('stall-user');
    await produceEvents(prefix, [event]);
    // Aborted attempts until the budget has passed.
    const started = Date.now();
    while (Date.now() - started < 600) await once(app, 'aborted') as [AbortedEvent];
    const report = app.readiness();
    assert.equal(report.ready, false);
    assert.deepEqual((report.stalled as { code: string }[]).map((s) => s.code), ['DB_UNREACHABLE']);
    const down = await readyz();
    assert.equal(down.status, 503);
    assert.equal(((await down.json()) as { ready: boolean }).ready, false);
    const metrics = await app.metrics.registry.metrics();
    assert.match(metrics, /streams_ready\{processor="[^"]+"\} 0/);
    assert.match(metrics, /streams_retry_stalled_seconds\{[^}]*\} 0\.[4-9]|streams_retry_stalled_seconds\{[^}]*\} [1-9]/);
    assert.match(metrics, /streams_transient_failures_total\{[^}]*code="DB_UNREACHABLE"\} [1-9]/);

    const done = committedRecords(app, 1);
    databaseDown = false;
    await done;
    assert.equal(app.readiness().ready, true);
    assert.equal((await readyz()).status, 200);
    assert.match(await app.metrics.registry.metrics(), /streams_ready\{processor="[^"]+"\} 1/);
    assert.equal((await readAll(`dlq.${physical('task-events', prefix)}`).catch(() => [])).length, 0, 'nothing dead-lettered');
  });
});
