import assert from 'node:assert/strict';
import { connectionState } from './live.js';

describe('web: connection state', () => {
  it('given the socket synced, then the state is online; while it connects or retries, reconnecting', () => {
    assert.equal(connectionState(true, 'synced'), 'online');
    assert.equal(connectionState(true, 'connecting'), 'reconnecting');
    assert.equal(connectionState(true, 'retrying'), 'reconnecting');
  });

  it('given the browser offline or the socket given up, then the state is offline whatever else holds', () => {
    assert.equal(connectionState(false, 'synced'), 'offline');
    assert.equal(connectionState(true, 'down'), 'offline');
  });
});
