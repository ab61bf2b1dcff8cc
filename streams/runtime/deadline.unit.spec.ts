// The bounds of the commit path (deadline.ts, transaction.ts), with an in-process stand-in for
// the client whose calls can be made to never settle: what the chaos smoke met for real after a
// leader broker was killed (a send whose delivery reports never came within the transaction).
import assert from 'node:assert/strict';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { Deadline, StepTimeoutError, within } from './deadline.js';
import { commitTransaction, needsNewProducer } from './transaction.js';
import { isRetriable } from './errors.js';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** A transactional producer whose `hang` step never settles and whose `fail` step rejects. */
function fakeProducer(options: { hang?: string; fail?: string } = {}) {
  const calls: string[] = [];
  let active = false;
  const step = <T>(name: string, value: T): Promise<T> => {
    calls.push(name);
    if (options.hang === name) return never<T>();
    if (options.fail === name) return Promise.reject(Object.assign(new Error(`${name} failed`), { retriable: true }));
    return Promise.resolve(value);
  };
  const transaction = {
    send: () => step('send', []),
    sendOffsets: () => step('sendOffsets', undefined),
    commit: () => step('commit', undefined).then(() => void (active = false)),
    abort: () => step('abort', undefined).then(() => void (active = false)),
  };
  const producer = {
    transaction: () => step('begin', transaction).then((t) => ((active = true), t)),
    isActive: () => active,
  };
  return { producer: producer as unknown as KafkaJS.Producer, calls };
}

const consumer = {} as KafkaJS.Consumer;
const content = { messages: new Map([['out', [{ key: 'k', value: 'v' }]]]), offsets: [{ topic: 'in', partition: 0, offset: '8' }] };
const bounds = { timeoutMs: 80, abortTimeoutMs: 50 };

describe('commit path bounds (unit)', () => {
  it('within: the work when it settles in time, a transient StepTimeoutError naming the step when not', async () => {
    assert.equal(await within(50, 'quick', Promise.resolve(7)), 7);
    const err = await within(20, 'transaction: send', never()).catch((e: unknown) => e);
    assert.ok(err instanceof StepTimeoutError);
    assert.equal(err.step, 'transaction: send');
    assert.equal(err.code, 'STEP_TIMEOUT');
    assert.equal(isRetriable(err), true, 'retried like any transient failure, never dead-lettered');
  });

  it('a Deadline bounds a sequence of steps by the time left, and refuses a step once it is over', async () => {
    // Its clock moves only when the steps say so: the machine's load cannot eat into it.
    let t = 0;
    const deadline = new Deadline(60, () => t);
    await deadline.run('first', () => Promise.resolve(void (t = 40)));
    const second = await deadline.run('second', never).catch((e: unknown) => e);
    assert.ok(second instanceof StepTimeoutError && second.ms === 20, `the second step got only what was left: ${String(second)}`);
    t = 60;
    await assert.rejects(deadline.run('third', () => Promise.resolve()), (e: unknown) => e instanceof StepTimeoutError && e.ms === 0);
  });

  for (const hang of ['begin', 'send', 'sendOffsets']) {
    it(`a transaction whose ${hang} never settles fails after its timeout, and its producer must be replaced`, async () => {
      const { producer, calls } = fakeProducer({ hang });
      const started = Date.now();
      const err = await commitTransaction(producer, consumer, content, bounds).catch((e: unknown) => e);
      assert.ok(err instanceof StepTimeoutError, String(err));
      assert.match(err.step, new RegExp(hang));
      assert.ok(Date.now() - started < bounds.timeoutMs + 1000, 'bounded by the whole transaction\'s timeout');
      // Not aborted on a producer still running the step: it is replaced, which fences it.
      assert.ok(!calls.includes('abort'));
      assert.equal(needsNewProducer(err, producer), true);
    });
  }

  it('a commit is not cut short by the bound: its outcome would be unknown, and a batch redone after a commit that landed would be written twice', async () => {
    const { producer } = fakeProducer();
    const slow = producer as unknown as { transaction: () => Promise<{ commit: () => Promise<void> }> };
    const begin = slow.transaction.bind(producer);
    slow.transaction = () => begin().then((t) => Object.assign(t, { commit: () => new Promise<void>((resolve) => setTimeout(resolve, bounds.timeoutMs + 50)) }));
    // The bound's clock held still: the steps before the commit cannot use it up on a slow
    // machine; only a bound wrongly put on the commit (a real timer) would cut it short.
    await commitTransaction(producer, consumer, content, { ...bounds, now: () => 0 });
  });

  it('a transaction whose step fails is aborted within its own bound, and the producer kept', async () => {
    const { producer, calls } = fakeProducer({ fail: 'sendOffsets' });
    await assert.rejects(commitTransaction(producer, consumer, content, bounds), /sendOffsets failed/);
    assert.deepEqual(calls, ['begin', 'send', 'sendOffsets', 'abort']);
    assert.equal(needsNewProducer(new Error('x'), producer), false);
  });

  it('an abort that never settles is given up, and the producer, still in a transaction, must be replaced', async () => {
    const { producer } = fakeProducer({ fail: 'send', hang: 'abort' });
    const started = Date.now();
    const err = await commitTransaction(producer, consumer, content, bounds).catch((e: unknown) => e);
    assert.match(String(err), /send failed/);
    assert.ok(Date.now() - started < bounds.abortTimeoutMs + 1000);
    assert.equal(needsNewProducer(err, producer), true);
  });
});
