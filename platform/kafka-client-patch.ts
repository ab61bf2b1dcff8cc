// A fix for a bug of @confluentinc/kafka-javascript (1.10.1, the latest): the KafkaJS layer turns
// librdkafka's GROUP_COORDINATOR_NOT_AVAILABLE (code 15) into `new error.KafkaJSGroupCoordinatorNotAvailableError(...)`,
// a class its _error.js never defines (it has KafkaJSGroupCoordinatorNotFound). The TypeError is
// thrown inside a native callback, where no caller can catch it, and the process exits. It hit
// the scheduler in the chaos smoke: a transaction's sendOffsets while the group coordinator moved
// after a broker was killed, and the process died (no more reminders fired). With the class
// defined, the call rejects with a retriable KafkaJS error and the batch is retried as any other.
// Imported for its effect by platform/kafka-security.ts, which every Kafka client of the project
// goes through. Remove once the library defines the class itself (the check below says so).
import { createRequire } from 'node:module';

type ErrorModule = Record<string, unknown>;

const require = createRequire(import.meta.url);
const errors = require('@confluentinc/kafka-javascript/lib/kafkajs/_error.js') as ErrorModule;

/** True when the library's own error table lacks the class its converter uses (and this fills it in). */
export const patchedCoordinatorNotAvailable = errors.KafkaJSGroupCoordinatorNotAvailableError === undefined;

if (patchedCoordinatorNotAvailable) {
  errors.KafkaJSGroupCoordinatorNotAvailableError = errors.KafkaJSGroupCoordinatorNotFound;
}
