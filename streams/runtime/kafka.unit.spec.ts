import assert from 'node:assert/strict';
import pino from 'pino';
import { resolveOptions } from './config.js';
import { connectFresh } from './kafka.js';

/** A stand-in client whose first `failures` instances time out on connect, like a cold broker. */
function flakyClients(failures: number) {
  const made: { connected: boolean; disconnected: boolean }[] = [];
  const make = () => {
    const index = made.length;
    const state = { connected: false, disconnected: false };
    made.push(state);
    return {
      connect: () => (index < failures ? Promise.reject(new Error('Local: Timed out')) : Promise.resolve(void (state.connected = true))),
      disconnect: () => Promise.resolve(void (state.disconnected = true)),
    };
  };
  return { made, make };
}

const options = (startTimeoutMs: number) =>
  resolveOptions('p', { logger: pino({ level: 'silent' }), retryInitialMs: 1, retryMaxMs: 4, startTimeoutMs });

describe('streams runtime: connecting while the broker is cold', () => {
  it('retries with a fresh client until one connects, disconnecting the failed ones', async () => {
    const { made, make } = flakyClients(3);
    await connectFresh('producer', make, options(5_000));
    assert.equal(made.length, 4);
    assert.deepEqual(made.map((c) => c.disconnected), [true, true, true, false]);
    assert.equal(made[3]!.connected, true);
  });

  it('gives up with the last error when start-up time runs out', async () => {
    const { made, make } = flakyClients(Infinity);
    // A clock that moves 3 ms each time it is read, whatever the machine's load: 20 ms last
    // exactly three attempts, and the pause after the last one uses up what was left.
    let t = 0;
    const clock = () => (t += 3);
    await assert.rejects(connectFresh('producer', make, options(20), undefined, clock), /Timed out/);
    assert.equal(made.length, 3);
    assert.ok(made.every((c) => c.disconnected));
  });

  it('stops retrying when shut down', async () => {
    const { made, make } = flakyClients(Infinity);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(connectFresh('producer', make, options(5_000), controller.signal), /Timed out/);
    assert.equal(made.length, 1);
  });
});
