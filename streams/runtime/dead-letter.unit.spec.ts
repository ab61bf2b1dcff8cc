import assert from 'node:assert/strict';
import { SerdeError } from '../../contracts/avro/serde.js';
import { deadLetterMessage, DLQ_HEADERS, messageBytes } from './dead-letter.js';
import { NonRetriableError, errorCode, isRetriable } from './errors.js';

describe('streams runtime: dead letters and error classes', () => {
  it('keeps the raw record and adds where and why it failed', () => {
    const value = Buffer.from([1, 2, 3]);
    const message = deadLetterMessage(
      { topic: 'p.task-events', partition: 4, offset: '17', key: Buffer.from('alice'), value, headers: { traceparent: 'tp' } },
      new SerdeError('NOT_CONFLUENT_FRAMED', 'not framed'),
      'task-view',
      Date.UTC(2026, 0, 2, 3, 4, 5),
    );
    assert.equal(message.key?.toString(), 'alice');
    assert.equal(message.value, value);
    assert.equal(message.partition, 4);
    assert.deepEqual(message.headers, {
      traceparent: 'tp',
      [DLQ_HEADERS.code]: 'NOT_CONFLUENT_FRAMED',
      [DLQ_HEADERS.message]: 'not framed',
      [DLQ_HEADERS.topic]: 'p.task-events',
      [DLQ_HEADERS.partition]: '4',
      [DLQ_HEADERS.offset]: '17',
      [DLQ_HEADERS.processor]: 'task-view',
      [DLQ_HEADERS.failedAt]: '2026-01-02T03:04:05.000Z',
    });
  });

  it('retries what says it is transient, condemns our permanent errors (the table is platform/errors.ts)', () => {
    assert.equal(isRetriable({ retriable: true }), true);
    assert.equal(isRetriable(new NonRetriableError('X', 'no')), false);
    assert.equal(isRetriable(new SerdeError('UNDECODABLE', 'no')), false);
  });

  it('names the error by its code, else its class', () => {
    assert.equal(errorCode(new NonRetriableError('VERSION_MISMATCH', 'stale')), 'VERSION_MISMATCH');
    assert.equal(errorCode(new TypeError('x')), 'BUG_TypeError');
    assert.equal(errorCode(Object.assign(new Error('x'), { code: 11000 })), 'Error');
    assert.equal(errorCode(null), 'UNKNOWN');
  });

  it('leaves nothing out of a record but its size: key, value and every header', () => {
    assert.equal(messageBytes({ key: 'ab', value: Buffer.alloc(10), headers: { h: 'é', list: ['x', Buffer.alloc(3)] } }), 2 + 10 + 1 + 2 + 4 + 1 + 3);
  });
});
