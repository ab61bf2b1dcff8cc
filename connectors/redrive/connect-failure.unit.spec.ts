import assert from 'node:assert/strict';
import { classifyFailure } from '../../platform/errors.js';
import { connectFailure, serverAnswer } from './connect-failure.js';
import { deadLetterHeaders } from './testing/dead-letters.js';

// The Java failures Connect reports, turned back into the Node driver's errors and classified by
// platform/errors.ts: the captured ones first, then the sink's and the driver's other formats.
describe('audit re-drive: a Connect failure as the Node driver would have thrown it', () => {
  const captured = deadLetterHeaders('t-');
  const classified = (h: Record<string, string>) =>
    classifyFailure(connectFailure(h['__connect.errors.exception.class.name'], h['__connect.errors.exception.message']));

  it('reads the NUL refusal as FerretDB’s InternalError with SQLSTATE 22P05: permanent', () => {
    assert.deepEqual(classified(captured.nul), { kind: 'permanent', code: 'SQLSTATE_22P05' });
  });

  it('reads the outage (PostgreSQL gone behind FerretDB) as an InternalError without a SQLSTATE: transient', () => {
    assert.deepEqual(classified(captured.outage), { kind: 'transient', code: 'MONGO_InternalError' });
    assert.deepEqual(classified(captured.outageRetried), { kind: 'transient', code: 'MONGO_InternalError' });
  });

  it('reads the Java driver’s socket and timeout classes as driver-side network errors: transient', () => {
    assert.deepEqual(classified(captured.socket), { kind: 'transient', code: 'MONGO_MongoNetworkError' });
    const timeout = connectFailure('com.mongodb.MongoTimeoutException', 'Timed out while waiting for a server that matches WritableServerSelector');
    assert.deepEqual(classifyFailure(timeout), { kind: 'transient', code: 'MONGO_MongoNetworkTimeoutError' });
  });

  it('takes the server’s code, name and message from a command failure', () => {
    const message = captured.nul['__connect.errors.exception.message'];
    const answer = serverAnswer(message);
    assert.equal(answer?.code, 1);
    assert.equal(answer?.codeName, 'InternalError');
    assert.match(answer?.errmsg ?? '', /^\[msg_update\.go:133 .* ERROR: unsupported Unicode escape sequence \(SQLSTATE 22P05\)$/);
  });

  it('reads the sink’s own write-error format (v=1) and the driver’s write and bulk write errors by their code', () => {
    // com.mongodb.kafka.connect.sink.dlq.WriteException: "v=1, code=%d, message=%s, details=%s"
    const bad = connectFailure('com.mongodb.kafka.connect.sink.dlq.WriteException', 'v=1, code=2, message=invalid key: "$t", details={}');
    assert.deepEqual(classifyFailure(bad), { kind: 'permanent', code: 'MONGO_BadValue' });
    const concern = connectFailure('com.mongodb.kafka.connect.sink.dlq.WriteConcernException', 'v=1, code=64, codeName=WriteConcernFailed, message=waiting for replication timed out, details={}');
    assert.deepEqual(classifyFailure(concern), { kind: 'transient', code: 'MONGO_64' });
    const write = connectFailure('com.mongodb.MongoWriteException', "Write operation error on server localhost:27017. Write error: WriteError{code=10334, message='too large', details={}}.");
    assert.deepEqual(classifyFailure(write), { kind: 'permanent', code: 'MONGO_BSONObjectTooLarge' });
    const bulk = connectFailure(
      'com.mongodb.MongoBulkWriteException',
      "Bulk write operation error on server localhost:27017. Write errors: [BulkWriteError{index=0, code=1, message='ERROR: value too long (SQLSTATE 54000)', details={}}].",
    );
    assert.deepEqual(classifyFailure(bulk), { kind: 'permanent', code: 'SQLSTATE_54000' });
  });

  it('retries a record an ordered bulk write skipped: it was never tried', () => {
    assert.deepEqual(classifyFailure(connectFailure('com.mongodb.kafka.connect.sink.dlq.WriteSkippedException', undefined)), { kind: 'transient', code: 'WRITE_SKIPPED' });
  });

  it('calls an unknown failure permanent, named after its Java class: it would throw again', () => {
    assert.deepEqual(classified(captured.converter), { kind: 'permanent', code: 'IllegalStateException' });
    assert.deepEqual(classifyFailure(connectFailure('org.apache.kafka.connect.errors.DataException', 'Could not convert value')), { kind: 'permanent', code: 'DataException' });
    assert.deepEqual(classifyFailure(connectFailure('com.mongodb.MongoClientException', 'no code in here')), { kind: 'permanent', code: 'MongoClientException' });
    assert.equal(classifyFailure(connectFailure(undefined, undefined)).kind, 'permanent');
  });
});
