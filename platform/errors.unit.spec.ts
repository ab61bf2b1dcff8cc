import assert from 'node:assert/strict';
import { MongoNetworkError, MongoServerError } from 'mongodb';
import { PermanentError, TransientError, classifyFailure } from './errors.js';

// The table without I/O; platform/errors.int.spec.ts checks it against the real stack's errors.
describe('platform: failure classification', () => {
  const server = (code: number, errmsg: string) => new MongoServerError({ code, errmsg, ok: 0 });

  it('asks our own errors their flag and code', () => {
    assert.deepEqual(classifyFailure(new PermanentError('REFUSED', 'no')), { kind: 'permanent', code: 'REFUSED' });
    assert.deepEqual(classifyFailure(new TransientError('REGISTRY_UNAVAILABLE', 'later')), { kind: 'transient', code: 'REGISTRY_UNAVAILABLE' });
    assert.equal(classifyFailure({ retriable: true, code: 'X' }).kind, 'transient');
  });

  it('reads FerretDB’s InternalError by the SQLSTATE it carries', () => {
    const nul = server(1, '[msg_insert.go:168] ERROR: unsupported Unicode escape sequence (SQLSTATE 22P05)');
    assert.deepEqual(classifyFailure(nul), { kind: 'permanent', code: 'SQLSTATE_22P05' });
    assert.deepEqual(classifyFailure(server(1, 'ERROR: value too long (SQLSTATE 54000)')), { kind: 'permanent', code: 'SQLSTATE_54000' });
    assert.deepEqual(classifyFailure(server(1, 'terminating connection due to administrator command (SQLSTATE 57P01)')), { kind: 'transient', code: 'SQLSTATE_57P01' });
    assert.deepEqual(classifyFailure(server(1, 'deadlock detected (SQLSTATE 40P01)')), { kind: 'transient', code: 'SQLSTATE_40P01' });
    assert.deepEqual(classifyFailure(server(1, 'failed to connect to `user=postgres database=ferretdb`: dial error')), { kind: 'transient', code: 'MONGO_InternalError' });
  });

  it('refuses for good what MongoDB refuses for good, retries the rest', () => {
    assert.deepEqual(classifyFailure(server(2, 'invalid key: "$t"')), { kind: 'permanent', code: 'MONGO_BadValue' });
    assert.deepEqual(classifyFailure(server(10334, 'too large')), { kind: 'permanent', code: 'MONGO_BSONObjectTooLarge' });
    assert.deepEqual(classifyFailure(server(11000, 'E11000 duplicate key')), { kind: 'transient', code: 'MONGO_11000' });
    assert.deepEqual(classifyFailure(server(91, 'shutdown in progress')), { kind: 'transient', code: 'MONGO_91' });
    assert.equal(classifyFailure(new MongoNetworkError('connection closed')).kind, 'transient');
  });

  it('retries a socket, DNS or timeout failure, directly or as a cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect' });
    assert.deepEqual(classifyFailure(refused), { kind: 'transient', code: 'ECONNREFUSED' });
    assert.deepEqual(classifyFailure(new Error('fetch failed', { cause: refused })), { kind: 'transient', code: 'ECONNREFUSED' });
    assert.equal(classifyFailure(new DOMException('timed out', 'TimeoutError')).kind, 'transient');
  });

  it('condemns what would throw again on the same record: programming errors and unknown throws', () => {
    assert.deepEqual(classifyFailure(new TypeError("Cannot read properties of undefined (reading 'title')")), { kind: 'permanent', code: 'BUG_TypeError' });
    assert.deepEqual(classifyFailure(new RangeError('Invalid time zone specified: Mars/Olympus')), { kind: 'permanent', code: 'BUG_RangeError' });
    assert.equal(classifyFailure(new Error('an invariant of ours')).kind, 'permanent');
    assert.equal(classifyFailure('a thrown string').kind, 'permanent');
  });
});
