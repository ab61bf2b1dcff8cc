// Synchronous decoding of a test topic's records with the local schema, for "consume until"
// predicates, which cannot await. Valid because a test's topics are written only by this
// checkout's code, i.e. with exactly the local schema; reading other writers' data goes through
// EventSerde (or a plain registry client), as production code does.
import type avro from 'avsc';
import { topicSchemas, type EventTopic } from '../../contracts/avro/catalog.js';

const HEADER_LENGTH = 5; // magic byte + schema id
let types: Map<EventTopic, avro.Type> | undefined;

export function decodeLocal<T>(topic: EventTopic, value: Buffer | null): T {
  types ??= new Map([...topicSchemas('')].map(([name, schema]) => [name, schema.type]));
  if (!value) throw new Error(`a record of ${topic} has no value`);
  return types.get(topic)!.fromBuffer(value.subarray(HEADER_LENGTH)) as T;
}
