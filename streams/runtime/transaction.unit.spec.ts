// The commit step of a transaction, against a scripted transaction (no broker: the timing of a
// real commit timeout cannot be forced). The error is the one the chaos smoke logged when
// task-view's commit timed out while a broker was away: code -185, `retriable: false`.
import assert from 'node:assert/strict';
import { commitWithRetry } from './transaction.js';

const commitTimedOut = () =>
  Object.assign(new Error('Timed out waiting for operation to finish, retry call to resume'), { name: 'KafkaJSTimeout', code: -185, retriable: false, fatal: false, abortable: false });

function scripted(failures: Error[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    commit() {
      calls++;
      const next = failures.shift();
      return next ? Promise.reject(next) : Promise.resolve();
    },
  };
}

describe('streams runtime: the commit of a transaction', function () {
  it('resumes a commit that timed out instead of failing the batch (whose retry would write it twice)', async () => {
    const tx = scripted([commitTimedOut(), commitTimedOut()]);
    await commitWithRetry(tx);
    assert.equal(tx.calls, 3);
  });

  it('fails at once on an abortable or fatal error, and after a bounded number of timeouts', async () => {
    const abortable = Object.assign(new Error('abortable'), { code: 48, abortable: true });
    await assert.rejects(commitWithRetry(scripted([abortable])), /abortable/);
    const forever = scripted(Array.from({ length: 50 }, commitTimedOut));
    await assert.rejects(commitWithRetry(forever), /retry call to resume/);
    assert.equal(forever.calls, 12);
  });
});
