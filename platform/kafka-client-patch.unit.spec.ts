// The library's converter of librdkafka errors, fed the error a sendOffsets callback got in the
// chaos smoke (GROUP_COORDINATOR_NOT_AVAILABLE, code 15). Without platform/kafka-client-patch.ts
// the conversion itself throws a TypeError (and, inside a native callback, kills the process).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { patchedCoordinatorNotAvailable } from './kafka-client-patch.js';

const require = createRequire(import.meta.url);
type Convert = (e: unknown) => Error & { code?: number };
const { createKafkaJsErrorFromLibRdKafkaError } = require('@confluentinc/kafka-javascript/lib/kafkajs/_common.js') as { createKafkaJsErrorFromLibRdKafkaError: Convert };
const LibrdKafkaError = require('@confluentinc/kafka-javascript/lib/error.js') as new (e: { code: number; message: string }) => Error & { code: number };

describe('platform/kafka-client-patch: librdkafka code 15 becomes a KafkaJS error, not a crash', function () {
  it('converts GROUP_COORDINATOR_NOT_AVAILABLE to a KafkaJS error with its code (the caller rejects, the runtime retries)', function () {
    const raw = new LibrdKafkaError({ code: 15, message: 'Broker: Coordinator not available' });
    const converted = createKafkaJsErrorFromLibRdKafkaError(raw);
    assert.equal(converted.name, 'KafkaJSGroupCoordinatorNotFound');
    assert.equal(converted.code, 15);
    assert.ok(converted instanceof KafkaJS.KafkaJSError);
  });

  it('says whether the library still needs it (false once a release defines the class: then delete the patch)', function () {
    assert.equal(patchedCoordinatorNotAvailable, true);
  });
});
