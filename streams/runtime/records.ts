// Small helpers of the batch loop: grouping a transaction's records, reading headers, and
// deciding whether a failure condemns a record to the dead-letter topic.
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { isRetriable } from './errors.js';

/** Records of one transaction, grouped by physical topic. */
export class Outbox {
  readonly messages = new Map<string, KafkaJS.Message[]>();
  count = 0;

  add(topic: string, message: KafkaJS.Message): void {
    const list = this.messages.get(topic);
    if (list) list.push(message);
    else this.messages.set(topic, [message]);
    this.count++;
  }
}

/**
 * Whether a failure in decoding or processing condemns the record to the dead-letter topic.
 * The client's own errors carry `retriable: false` for reasons about the connection, never about
 * the record, so they are always retried.
 */
export function condemns(err: unknown): boolean {
  return !isRetriable(err) && !(err instanceof Error && KafkaJS.isKafkaJSError(err));
}

export function stringHeaders(headers: KafkaJS.IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}
