// The Kafka client's own log lines (librdkafka's warnings, the KafkaJS layer's notices) routed
// into a process's pino logger, so they are JSON lines with the service's fields like the rest.
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';

export function kafkaClientLogger(logger: Logger): KafkaJS.Logger {
  const adapter: KafkaJS.Logger = {
    info: (message, extra) => logger.info(extra ?? {}, message),
    warn: (message, extra) => logger.warn(extra ?? {}, message),
    error: (message, extra) => logger.error(extra ?? {}, message),
    debug: (message, extra) => logger.debug(extra ?? {}, message),
    namespace: () => adapter,
    setLogLevel: () => undefined,
  };
  return adapter;
}
