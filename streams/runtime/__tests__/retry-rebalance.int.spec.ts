// The stall `make chaos` found after a leader broker was killed: task-view's batches kept failing
// to commit (the group coordinator had moved, then the member was stale), and were retried in
// place for good. But the client runs a rebalance only once every batch in flight has returned,
// so the member could never rejoin its group, its transactions kept failing, and the process
// stopped committing on every partition. Here the same hold, made deterministic: a processor
// whose database is away keeps its batches failing while a second member joins the group. The
// failing batch must go back to the consumer (retryInPlaceMs), the group rebalance, the new
// member get its partitions while the failure lasts, and every record commit once after it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { TransientError } from '../../../platform/index.js';
import { uniqueName } from '../../../test/support/stack-env.js';
import { waitFor } from '../../../test/support/wait-for.js';
import type { StreamsApp } from '../runtime.js';
import type { InputRecord, Processor, ProcessorContext } from '../types.js';
import { echoProcessor, newApp, physical, produceEvents, readAll, registeredPrefix, startAndAssign, taskCreated, users } from './support.js';

const within = <T>(ms: number, what: string, work: Promise<T>): Promise<T> =>
  Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms).unref())]);

describe('streams runtime: a batch that keeps failing does not hold its group (real broker)', function () {
  this.timeout(120_000);
  const apps: StreamsApp[] = [];
  afterEach(() => Promise.all(apps.splice(0).map((app) => app.stop())));

  it('gives the batch back to the consumer, so a joining member gets its partitions while the failure lasts; then every record commits once', async () => {
    const prefix = await registeredPrefix('rt-held');
    let databaseDown = true;
    const name = uniqueName('held');
    const processor = (): Processor => {
      const echo = echoProcessor(name);
      return {
        ...echo,
        process(record: InputRecord, ctx: ProcessorContext) {
          if (databaseDown) throw new TransientError('DB_UNREACHABLE', 'the database does not answer');
          return echo.process(record, ctx);
        },
      };
    };
    let committed = 0;
    const member = () => {
      const app = newApp(processor(), prefix, { retryInPlaceMs: 1000, retryMaxMs: 300 });
      app.on('committed', (event) => (committed += event.kind === 'batch' ? event.records : 0));
      apps.push(app);
      return app;
    };

    const first = member();
    await startAndAssign(first);
    assert.equal(first.partitions.length, 6);
    const events = users(24).map((user) => taskCreated(user));
    await produceEvents(prefix, events);
    await within(30_000, 'a failed attempt', once(first, 'aborted'));

    const second = member();
    const assigned = once(second, 'assigned');
    await second.start();
    await within(45_000, 'the joining member\'s assignment while the first one\'s batches fail', assigned);
    // The first member gets its share back in the same rebalance (it revoked all of them first).
    await waitFor(() => Promise.resolve(first.partitions.length + second.partitions.length === 6), { timeoutMs: 30_000, intervalMs: 50, what: 'every partition owned again' });
    assert.deepEqual([...first.partitions, ...second.partitions].sort(), [0, 1, 2, 3, 4, 5]);
    assert.equal(committed, 0, 'nothing committed while the database is away');

    databaseDown = false;
    await waitFor(() => Promise.resolve(committed >= events.length), { timeoutMs: 60_000, intervalMs: 100, what: `${events.length} records committed` });
    assert.equal(committed, events.length);
    const views = await readAll(physical('task-views', prefix));
    assert.equal(views.length, events.length, 'one output per input, none from the given-back attempts');
  });
});
