import assert from 'node:assert/strict';
import { parseCursor, formatCursor } from './cursor.js';
import { Sessions, UserSession, type Positioned } from './sessions.js';

const change = (offset: number): Positioned<string> => ({ offset, payload: `e${offset}` });

function recorder() {
  const sent: number[] = [];
  return { sent, send: (c: Positioned<string>) => void sent.push(c.offset) };
}

describe('bridge sessions', () => {
  it('given a syncing session, when live changes arrive during the replay, then replayed and held changes go out in order, each once', () => {
    const { sent, send } = recorder();
    const session = new UserSession('u', 2, 10, send);
    session.offer(change(14)); // the live feed is already past the replay's start...
    session.offer(change(15));
    assert.deepEqual(sent, [], 'nothing goes out while syncing');
    // ...and the replay, reading to the end taken after the session began, overlaps it.
    const count = session.synced([change(12), change(14)], 14);
    assert.equal(count, 3);
    assert.deepEqual(sent, [12, 14, 15]);
    session.offer(change(15));
    session.offer(change(16));
    assert.deepEqual(sent, [12, 14, 15, 16], 'a redelivered live change is dropped');
    assert.equal(session.lastOffset, 16);
  });

  it('given a client without a cursor, then only changes after the log end at its sync are sent (it loads the rest over HTTP)', () => {
    const { sent, send } = recorder();
    const session = new UserSession('u', 0, -1, send);
    session.offer(change(7));
    session.offer(change(9));
    session.synced([], 8);
    assert.deepEqual(sent, [9]);
    assert.equal(session.lastOffset, 9);
  });

  it('dispatches a change only to the sessions of its user on its partition', () => {
    const sessions = new Sessions<string>();
    const alice = recorder();
    const aliceTab2 = recorder();
    const bob = recorder();
    const stale = recorder();
    const a1 = new UserSession('alice', 1, -1, alice.send);
    const a2 = new UserSession('alice', 1, -1, aliceTab2.send);
    const b = new UserSession('bob', 1, -1, bob.send);
    const old = new UserSession('alice', 4, -1, stale.send);
    for (const s of [a1, a2, b, old]) {
      sessions.add(s);
      s.synced([], -1);
    }
    assert.equal(sessions.size, 4);
    assert.equal(sessions.dispatch('alice', 1, change(3)), 2);
    assert.deepEqual([alice.sent, aliceTab2.sent, bob.sent, stale.sent], [[3], [3], [], []]);
    sessions.remove(a2);
    sessions.remove(a2);
    assert.equal(sessions.size, 3);
    sessions.dispatch('alice', 1, change(4));
    assert.deepEqual([alice.sent, aliceTab2.sent], [[3, 4], [3]]);
    assert.equal(sessions.dispatch('carol', 1, change(5)), 0);
  });
});

describe('bridge cursors', () => {
  it('round-trips and refuses what we never issue', () => {
    assert.deepEqual(parseCursor(formatCursor({ partition: 3, offset: 1042 })), { partition: 3, offset: 1042 });
    assert.deepEqual(parseCursor('0:-1'), { partition: 0, offset: -1 });
    assert.equal(parseCursor(undefined), null);
    assert.equal(parseCursor(''), null);
    for (const bad of ['3', '3:', ':4', 'a:1', '1:2:3', '-1:4', '1:1e3', 42, {}]) assert.equal(parseCursor(bad), 'invalid', JSON.stringify(bad));
  });
});
