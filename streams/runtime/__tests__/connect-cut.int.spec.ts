// task-view died in the chaos smoke with "Ready callback called in invalid state 5": a
// transactional producer's connect (initTransactions) was cut short by connectFresh's deadline
// while a broker was away, the client was disconnected at once, and when its connect completed
// later the client's 'ready' callback threw, an unhandled rejection, and the process exited. Here
// the deadline is made to cut a real connect on purpose; the cut client must be disconnected
// only once its connect has settled, and nothing may be left to reject unhandled.
import assert from 'node:assert/strict';
import pino from 'pino';
import { stackEnv, uniqueName } from '../../../test/support/stack-env.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { resolveOptions } from '../config.js';
import { within } from '../deadline.js';
import { connectFresh, createKafka, createTransactionalProducer } from '../kafka.js';

describe('streams runtime: a connect cut short by its deadline (real broker)', function () {
  this.timeout(60_000);
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  // Mocha's own handler would fail whichever test runs when the rejection comes: this one looks.
  let mochaHandlers: NodeJS.UnhandledRejectionListener[] = [];
  before(() => {
    mochaHandlers = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    process.on('unhandledRejection', record);
  });
  after(() => {
    process.off('unhandledRejection', record);
    for (const h of mochaHandlers) process.on('unhandledRejection', h);
  });

  it('disconnects the cut client after its connect settled, with no unhandled rejection', async () => {
    const options = resolveOptions(uniqueName('cut'), { brokers: stackEnv.kafkaBrokers, logger: pino({ level: 'silent' }), startTimeoutMs: 5, retryInitialMs: 1000 });
    const kafka = createKafka(options);
    let connecting: Promise<void> | undefined;
    let disconnected = false;
    const make = () => {
      const real = createTransactionalProducer(kafka, uniqueName('cut-tx'), options);
      return {
        connect: () => (connecting = real.connect()),
        disconnect: () => {
          disconnected = true;
          return real.disconnect();
        },
      };
    };
    await assert.rejects(connectFresh('transactional producer', make, options), /did not finish within/);
    assert.ok(connecting, 'a connect was started');
    // The real connect goes on and completes (or fails) on its own time.
    // (Disconnected at once, as before the fix, the connect never settles and this times out.)
    await within(20_000, 'the cut connect settling', connecting.catch(() => undefined));
    await waitFor(() => Promise.resolve(disconnected), { timeoutMs: 20_000, what: 'the cut client disconnected' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled.map(String), []);
  });
});
