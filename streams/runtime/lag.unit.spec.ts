// The lag watch's stop() ends only once its read in flight has settled, so the consumer it
// reads through is never closed under a committed() call (see replaceConsumer in runtime.ts);
// a read that never answers holds the stop no longer than its bound. The clients are scripted:
// what is under test is the order of the watch's own steps, the real reads are lag.int.spec.ts.
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { LagClients } from './lag.js';
import { watchConsumerLag } from './lag.js';

function scriptedClients(committed: () => Promise<{ topic: string; partition: number; offset: string }[]>): { clients: LagClients; reads: () => number } {
  let reads = 0;
  const admin = { fetchTopicOffsets: () => Promise.resolve([{ partition: 0, high: '10', low: '0', offset: '10' }]) };
  const consumer = {
    committed: () => {
      reads++;
      return committed();
    },
  };
  return { clients: { admin, consumer } as unknown as LagClients, reads: () => reads };
}

const target = () => ({ processor: 'p', groupId: 'g', topics: ['t'], registry: new Registry(), logger: { warn: () => undefined } });

describe('streams runtime: the lag watch stops after its read in flight', () => {
  it('does not resolve stop() while a committed() read is still running', async () => {
    let answer!: () => void;
    const { clients, reads } = scriptedClients(() => new Promise((resolve) => (answer = () => resolve([{ topic: 't', partition: 0, offset: '4' }]))));
    const watch = watchConsumerLag(clients, target(), 60_000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(reads(), 1, 'the first poll is reading');
    let stopped = false;
    const stopping = watch.stop(60_000).then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stopped, false, 'stop() waits for the read');
    answer();
    await stopping;
    assert.equal(stopped, true);
  });

  it('gives up waiting for a read that never answers after its bound', async () => {
    const { clients } = scriptedClients(() => new Promise(() => undefined));
    const watch = watchConsumerLag(clients, target(), 60_000);
    await new Promise((resolve) => setImmediate(resolve));
    const started = performance.now();
    await watch.stop(50);
    assert.ok(performance.now() - started >= 45, 'it waited for the bound');
  });
});
