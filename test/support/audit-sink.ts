// The real audit connector (connectors/audit-sink.json.tmpl) rendered for one test's topics and
// its own audit collection, against the stack the tests use.
import { renderConnector, type ConnectorSpec } from '../../connectors/connect-client.js';
import { stackEnv } from './stack-env.js';

export function auditSinkFor(topicPrefix: string, collection: string): ConnectorSpec {
  return renderConnector('audit-sink.json.tmpl', {
    TOPIC_PREFIX: topicPrefix,
    AUDIT_COLLECTION: collection,
    MONGO_URL: stackEnv.mongoUrl,
    REGISTRY_BASE_URL: new URL(stackEnv.schemaRegistryUrl).origin,
  });
}
