// The ids of a request: drawn from the clock, or under an Idempotency-Key derived from its claim,
// so a retry of a request whose gateway died repeats the same task and event ids.
import assert from 'node:assert/strict';
import { commandContext, type Clock } from './common.js';
import type { GatewayContext } from '../http/state.js';

const requestWith = (idSeed?: string) => ({ state: { userId: 'u1', correlationId: 'c1', ...(idSeed ? { idSeed } : {}) } }) as unknown as GatewayContext;
let drawn = 0;
const clock: Clock = { now: () => 1_000, newId: () => `random-${drawn++}` };

describe('gateway: the ids of a request', () => {
  it('without an Idempotency-Key, each id is a fresh one from the clock', () => {
    const cmd = commandContext(requestWith(), clock);
    const [a, b] = [cmd.newId(), cmd.newId()];
    assert.match(a, /^random-/);
    assert.notEqual(a, b);
  });

  it('under one, every attempt of the request makes the same ids in the same order, and they differ from each other', () => {
    const first = commandContext(requestWith('seed-of-claim'), clock);
    const retry = commandContext(requestWith('seed-of-claim'), clock);
    const ids = [first.newId(), first.newId(), first.newId()];
    assert.deepEqual([retry.newId(), retry.newId(), retry.newId()], ids);
    assert.equal(new Set(ids).size, 3);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('another claim (another key, or the same key once its claim was released) makes other ids', () => {
    const a = commandContext(requestWith('seed-a'), clock).newId();
    const b = commandContext(requestWith('seed-b'), clock).newId();
    assert.notEqual(a, b);
  });
});
