// Small helpers of the batch loop: grouping a transaction's records, reading headers, and
// deciding whether a failure condemns a record to the dead-letter topic.
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { classifyFailure } from '../../platform/index.js';

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
 * Whether a failure in decoding or processing condemns the record to the dead-letter topic: a
 * permanent failure (platform/errors.ts). The Kafka client's errors are always transient there.
 */
export function condemns(err: unknown): boolean {
  return classifyFailure(err).kind === 'permanent';
}

export function stringHeaders(headers: KafkaJS.IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}
