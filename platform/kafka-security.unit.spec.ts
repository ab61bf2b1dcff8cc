import assert from 'node:assert/strict';
import { kafkaSecurity, KafkaSecurityError } from './kafka-security.js';

describe('platform/kafka-security: Kafka client security from the environment', function () {
  it('is plaintext without credentials when nothing is set (the local stack)', function () {
    assert.deepEqual(kafkaSecurity({}), { 'security.protocol': 'plaintext' });
  });

  it('gives SCRAM over TLS with the cluster CA, as a Strimzi KafkaUser needs', function () {
    const env = { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'gateway', KAFKA_SASL_PASSWORD: 'pw', KAFKA_SSL_CA_LOCATION: '/etc/kafka-ca/ca.crt' };
    assert.deepEqual(kafkaSecurity(env), {
      'security.protocol': 'sasl_ssl',
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'gateway',
      'sasl.password': 'pw',
      'ssl.ca.location': '/etc/kafka-ca/ca.crt',
    });
  });

  it('refuses half a configuration with the variable to fix', function () {
    assert.throws(() => kafkaSecurity({ KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' }), /KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required/);
    assert.throws(() => kafkaSecurity({ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_USERNAME: 'a', KAFKA_SASL_PASSWORD: 'b' }), /KAFKA_SASL_MECHANISM must be one of/);
    assert.throws(() => kafkaSecurity({ KAFKA_SECURITY_PROTOCOL: 'tls' }), KafkaSecurityError);
    assert.throws(() => kafkaSecurity({ KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SECURITY_PROTOCOL: 'plaintext' }), /KAFKA_SASL_MECHANISM is set but/);
    assert.throws(() => kafkaSecurity({ KAFKA_SSL_CA_LOCATION: '/ca.crt' }), /KAFKA_SSL_CA_LOCATION is set but/);
  });
});
