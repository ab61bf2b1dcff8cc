// How every Kafka client of the project authenticates and encrypts, from the environment, in one
// place: the runtime's clients, the gateway's, the bridge's and the schema CLI's all spread these
// librdkafka properties into their configuration.
//
//   KAFKA_SECURITY_PROTOCOL   plaintext (default) | ssl | sasl_plaintext | sasl_ssl
//   KAFKA_SASL_MECHANISM      PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 (Strimzi's SCRAM users)
//   KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD   the KafkaUser and its Secret's `password`
//   KAFKA_SSL_CA_LOCATION     PEM file of the CA that signed the brokers' certificates (Strimzi's
//                             cluster CA, `<cluster>-cluster-ca-cert`'s ca.crt); default: the system's
//
// Unset, the clients connect in plaintext without credentials, as to the local stack.

// Every client is built through here: the fix of the library's crash on code 15 loads with it.
import './kafka-client-patch.js';

const PROTOCOLS = ['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'] as const;
const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

export class KafkaSecurityError extends Error {
  override readonly name = 'KafkaSecurityError';
}

/** librdkafka properties (`security.protocol`, `sasl.*`, `ssl.ca.location`) for `env`. */
export function kafkaSecurity(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const mechanism = env.KAFKA_SASL_MECHANISM?.trim().toUpperCase() || undefined;
  // Credentials without TLS would cross the network in the clear: SASL defaults to sasl_ssl.
  const protocol = env.KAFKA_SECURITY_PROTOCOL?.trim().toLowerCase() || (mechanism ? 'sasl_ssl' : 'plaintext');
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new KafkaSecurityError(`KAFKA_SECURITY_PROTOCOL must be one of ${PROTOCOLS.join(', ')}, got ${protocol}`);
  }
  const config: Record<string, string> = { 'security.protocol': protocol };
  if (protocol.startsWith('sasl_')) {
    if (!mechanism || !(MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new KafkaSecurityError(`KAFKA_SASL_MECHANISM must be one of ${MECHANISMS.join(', ')} with ${protocol}, got ${mechanism ?? 'nothing'}`);
    }
    if (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD) {
      throw new KafkaSecurityError(`KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with ${protocol}`);
    }
    Object.assign(config, { 'sasl.mechanisms': mechanism, 'sasl.username': env.KAFKA_SASL_USERNAME, 'sasl.password': env.KAFKA_SASL_PASSWORD });
  } else if (mechanism) {
    throw new KafkaSecurityError(`KAFKA_SASL_MECHANISM is set but KAFKA_SECURITY_PROTOCOL is ${protocol}`);
  }
  if (env.KAFKA_SSL_CA_LOCATION) {
    if (!protocol.endsWith('ssl')) throw new KafkaSecurityError(`KAFKA_SSL_CA_LOCATION is set but KAFKA_SECURITY_PROTOCOL is ${protocol}`);
    config['ssl.ca.location'] = env.KAFKA_SSL_CA_LOCATION;
  }
  return config;
}
