// The one Kafka producer every process that writes events directly uses (the gateway's
// publisher, the bridge's delivery receipts).
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { kafkaSecurity } from './kafka-security.js';

export interface ProducerLike {
  connect(): Promise<void>;
  send(args: { topic: string; messages: { key: string; value: Buffer; headers: Record<string, string> }[] }): Promise<unknown>;
  flush(args?: { timeout?: number }): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * The production producer: idempotent, acks=all. `deliveryTimeoutMs` (librdkafka
 * message.timeout.ms) is how long librdkafka keeps retrying one message before it gives up;
 * long, so that a message which is slow to be acked is not declared failed (and sent again by
 * the gateway's outbox relay) while it may still be written.
 */
export function kafkaProducerFactory(brokers: string[], deliveryTimeoutMs: number, lingerMs = 2): () => ProducerLike {
  const kafka = new KafkaJS.Kafka({ ...kafkaSecurity(), kafkaJS: { brokers, logLevel: KafkaJS.logLevel.NOTHING } });
  return () =>
    kafka.producer({
      kafkaJS: { idempotent: true, acks: -1 },
      'message.timeout.ms': deliveryTimeoutMs,
      // Short: a request waits for its own ack (see PRODUCE_LINGER_MS in gateway/config.ts).
      'linger.ms': lingerMs,
      'socket.keepalive.enable': true,
    });
}
