// Turning an input record's Avro value into a domain event, for every processor: a record whose
// payload does not match its declared type can never be processed, so it is dead-lettered
// (a NonRetriableError) instead of retried forever.
import { NonRetriableError, type InputRecord } from '../runtime/index.js';

export function decodeEvent<W, E>(record: InputRecord, fromWire: (wire: W) => E): E {
  try {
    return fromWire(record.value as W);
  } catch (cause) {
    throw new NonRetriableError('INVALID_EVENT', `record ${record.topic} ${record.partition}/${record.offset} is not a valid event`, { cause });
  }
}
