// The platform layer's public face: what every process shares. Errors and their classification,
// the HTTP error tree, configuration from the environment, JWT verification, logging, shutdown
// on signals, committed offsets. The Kafka client modules (kafka-producer.ts, range-reader.ts,
// topic-tail.ts, topic-names.ts, known-topics.ts, kafka-security.ts, kafka-access.ts,
// kafka-logger.ts), the probe server (metrics-server.ts) and sleep.ts are imported by path.
// Imports only domain/ and contracts/.
export { AppError, PermanentError, TransientError, classifyFailure, isTransient, codeOf, messageOf, type Classified, type FailureKind } from './errors.js';
export { committedOffsets, partitionsOf, readGroupOffsets, partitionKey, type CommittedOffsets, type TopicPartition } from './committed-offsets.js';
export * from './http-errors.js';
export { ConfigError, DEV_JWT_SECRET, ServiceEnv, csv, jwtConfigOf, optionalText, parseEnv, refuseDevSecretInProduction, type JwtConfig } from './env-schema.js';
export { createVerifier, signDevToken, USER_ID, type AuthConfig, type TokenVerifier } from './jwt.js';
export { createLogger, type Logger } from './logger.js';
export { stopOnSignals, type Stoppable } from './shutdown.js';
