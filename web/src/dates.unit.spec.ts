import assert from 'node:assert/strict';
import { fromLocalInput, toLocalInput } from './dates.js';

describe('web: dates', () => {
  it('given a datetime-local value, then it round-trips through the ISO instant the API takes', () => {
    const iso = fromLocalInput('2026-03-01T09:30');
    assert.equal(typeof iso, 'string');
    assert.equal(new Date(iso!).getHours(), 9);
    assert.equal(toLocalInput(iso), '2026-03-01T09:30');
  });

  it('given an empty or malformed value, then there is no instant', () => {
    assert.equal(fromLocalInput(''), null);
    assert.equal(fromLocalInput('tomorrow'), null);
    assert.equal(toLocalInput(null), '');
  });
});
