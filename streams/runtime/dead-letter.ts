// A poison record (undecodable, or refused by its processor for good) goes to dlq.<topic> as it
// arrived (same key, same bytes, same headers) plus headers saying what failed where, inside the
// transaction that moves the input offset past it: it is neither lost nor retried forever.
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { errorCode, errorMessage } from './errors.js';

export interface RawRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: KafkaJS.IHeaders;
}

export const DLQ_HEADERS = {
  code: 'dlq-error-code',
  message: 'dlq-error-message',
  topic: 'dlq-source-topic',
  partition: 'dlq-source-partition',
  offset: 'dlq-source-offset',
  processor: 'dlq-processor',
  failedAt: 'dlq-failed-at',
  /** Set instead of the value when the raw record plus these headers would be over the size limit. */
  valueOmitted: 'dlq-value-omitted-bytes',
} as const;

/** What a record weighs against the producer's message.max.bytes: key, value and headers. */
export function messageBytes(message: KafkaJS.Message): number {
  let size = byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    size += Buffer.byteLength(name);
    for (const v of Array.isArray(value) ? value : [value]) size += byteLength(v);
  }
  return size;
}

const byteLength = (value: string | Buffer | null | undefined): number =>
  value == null ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;

/** Header values are bytes on the wire; cap the message so a huge error cannot bloat the record. */
const MAX_MESSAGE = 2000;

export function deadLetterMessage(record: RawRecord, error: unknown, processor: string, now: number): KafkaJS.Message {
  return {
    key: record.key,
    value: record.value,
    // Same partition as the source: the dead letters of one key stay in order.
    partition: record.partition,
    headers: {
      ...record.headers,
      [DLQ_HEADERS.code]: errorCode(error),
      [DLQ_HEADERS.message]: errorMessage(error).slice(0, MAX_MESSAGE),
      [DLQ_HEADERS.topic]: record.topic,
      [DLQ_HEADERS.partition]: String(record.partition),
      [DLQ_HEADERS.offset]: record.offset,
      [DLQ_HEADERS.processor]: processor,
      [DLQ_HEADERS.failedAt]: new Date(now).toISOString(),
    },
  };
}
