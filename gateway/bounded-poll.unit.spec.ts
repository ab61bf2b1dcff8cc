import assert from 'node:assert/strict';
import { pollUntil } from './bounded-poll.js';

describe('gateway: bounded poll', () => {
  it('given a probe that answers on its third call, then it resolves with that answer', async () => {
    let calls = 0;
    const found = await pollUntil(() => Promise.resolve(++calls === 3 ? 'seen' : null), 1_000);
    assert.equal(found, 'seen');
    assert.equal(calls, 3);
  });

  it('given a probe that never answers, then it gives up with null within its bound', async () => {
    let calls = 0;
    const started = Date.now();
    const found = await pollUntil(() => {
      calls++;
      return Promise.resolve(null);
    }, 60);
    assert.equal(found, null);
    assert.ok(Date.now() - started < 60 + 50, `waited ${Date.now() - started} ms`);
    assert.ok(calls >= 2, `probed ${calls} times`);
  });
});
