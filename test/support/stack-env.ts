// Where the real stack is. `make test` exports these from `stack/stack.sh env`; a developer can
// point the tests at any other stack (Redpanda, a real MongoDB, ...) by setting them.
// Defaults are the local ports of docs/architecture.md section 5.
export const stackEnv = {
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(','),
  schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7',
  mongoUrl: process.env.MONGO_URL ?? 'mongodb://localhost:27017/todo',
  connectUrl: process.env.CONNECT_URL ?? 'http://localhost:8083',
  prometheusUrl: process.env.PROMETHEUS_URL ?? 'http://localhost:9090',
} as const;

/** A name no other test run has used, so tests never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
