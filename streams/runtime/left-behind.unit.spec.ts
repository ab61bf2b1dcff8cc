// A client left behind stays referenced until its disconnect settles, and only a disconnect
// that finished lets it go (see left-behind.ts for why a dropped client can hang the process).
import assert from 'node:assert/strict';
import { clientsLeftBehind, keepUntilDisconnected } from './left-behind.js';

describe('streams runtime: clients left behind', () => {
  it('keeps a client until its disconnect finishes, and for good when it fails', async () => {
    const before = clientsLeftBehind();
    let finish!: () => void;
    let fail!: (err: Error) => void;
    const pending = new Promise<void>((resolve) => (finish = resolve));
    const failing = new Promise<void>((_, reject) => (fail = reject));
    keepUntilDisconnected({ name: 'stuck, then disconnected' }, pending);
    keepUntilDisconnected({ name: 'never disconnected' }, failing);
    assert.equal(clientsLeftBehind(), before + 2);
    finish();
    fail(new Error('disconnect failed'));
    await Promise.allSettled([pending, failing]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(clientsLeftBehind(), before + 1, 'only the disconnected one is let go');
  });
});
