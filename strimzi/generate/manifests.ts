// The manifests that follow from the code, so they cannot drift from it: KafkaTopics from the
// topic catalog and the runtime's changelog/dead-letter names, KafkaUsers (ACLs) from the access
// table, the KafkaConnector from connectors/, one StatefulSet per stream processor and the audit
// re-drive's Deployment.
// `npm run strimzi:generate` writes them to strimzi/base/generated/; a unit test fails when the
// committed files differ from what this produces.
import { renderConnector } from '../../connectors/connect-client.js';
import { aclRules, AUDIT_REDRIVE, AUDIT_SINK, platformAccess, PROCESSORS, serviceAccess, topicSpecs } from '../../platform/kafka-access.js';

export const CLUSTER = 'todo';
export const NAMESPACE = 'todo';
/** The TLS listener with SCRAM-SHA-512 (strimzi/base/kafka/kafka.yaml). */
export const BOOTSTRAP = `${CLUSTER}-kafka-bootstrap:9093`;
export const CLUSTER_CA_SECRET = `${CLUSTER}-cluster-ca-cert`;
export const REGISTRY_URL = 'http://registry:8080';
/** Every processor serves /metrics and /readyz here inside its pod. */
export const METRICS_PORT = 9464;
/** Longer than the measured shutdown (test/deploy/production-start.int.spec.ts: < 1 s). */
export const TERMINATION_GRACE_SECONDS = 30;

type Manifest = Record<string, unknown>;

const partOf = { 'app.kubernetes.io/part-of': 'todo-stream' };
const clusterLabel = { 'strimzi.io/cluster': CLUSTER };

export function kafkaTopics(): Manifest[] {
  return topicSpecs().map((t) => ({
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'KafkaTopic',
    metadata: { name: t.name, labels: { ...clusterLabel, ...partOf, 'todo-stream/topic-role': t.role } },
    // Replicas and min.insync.replicas per overlay (one broker locally, three in production).
    spec: { topicName: t.name, partitions: t.partitions, replicas: 1, config: { ...t.config } },
  }));
}

export function kafkaUsers(): Manifest[] {
  return [...serviceAccess(), ...platformAccess()].map((s) => ({
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'KafkaUser',
    metadata: { name: s.name, labels: { ...clusterLabel, ...partOf } },
    spec: { authentication: { type: 'scram-sha-512' }, authorization: { type: 'simple', acls: aclRules(s) } },
  }));
}

/** The audit sink, from the same template the local stack applies (connectors/audit-sink.json.tmpl). */
export function kafkaConnector(): Manifest {
  const { name, config } = renderConnector(`${AUDIT_SINK}.json.tmpl`, {
    TOPIC_PREFIX: '',
    // Resolved by Connect's KubernetesSecretConfigProvider (strimzi/base/connect): never in a manifest.
    MONGO_URL: `\${secrets:${NAMESPACE}/mongodb:uri}`,
    REGISTRY_BASE_URL: REGISTRY_URL,
    AUDIT_COLLECTION: 'audit',
  });
  const { 'connector.class': connectorClass, 'tasks.max': tasksMax, ...rest } = config;
  return {
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'KafkaConnector',
    metadata: { name, labels: { 'strimzi.io/cluster': 'todo-connect', ...partOf } },
    spec: { class: connectorClass, tasksMax: Number(tasksMax), config: rest },
  };
}

/** Environment every service container gets: where Kafka is and how to authenticate as `user`. */
export function kafkaEnv(user: string): Manifest[] {
  return [
    { name: 'KAFKA_BROKERS', value: BOOTSTRAP },
    { name: 'KAFKA_SECURITY_PROTOCOL', value: 'SASL_SSL' },
    { name: 'KAFKA_SASL_MECHANISM', value: 'SCRAM-SHA-512' },
    { name: 'KAFKA_SASL_USERNAME', value: user },
    // The User Operator writes the KafkaUser's password into a Secret of the same name.
    { name: 'KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: user, key: 'password' } } },
    { name: 'KAFKA_SSL_CA_LOCATION', value: '/etc/kafka-ca/ca.crt' },
    { name: 'SCHEMA_REGISTRY_URL', value: `${REGISTRY_URL}/apis/ccompat/v7` },
    { name: 'TZ', value: 'UTC' },
  ];
}

/** The processors that keep a MongoDB view: only they get the database's URI. */
const USES_MONGO = new Set(['task-view', 'settings-view', 'notification-view']);

export const restrictedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

export const commonVolumes = [
  { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
  { name: 'kafka-ca', secret: { secretName: CLUSTER_CA_SECRET, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
];
export const commonMounts = [
  { name: 'tmp', mountPath: '/tmp' },
  { name: 'kafka-ca', mountPath: '/etc/kafka-ca', readOnly: true },
];

function processorStatefulSet(name: string): Manifest[] {
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'processor', ...partOf };
  const env = [
    ...kafkaEnv(name),
    // Static membership and transactional ids keyed by the stable pod name (task-view-0, ...):
    // a restarted pod takes its partitions back at once and fences its predecessor.
    { name: 'STREAMS_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'METRICS_PORT', value: String(METRICS_PORT) },
    ...(USES_MONGO.has(name) ? [{ name: 'MONGO_URL', valueFrom: { secretKeyRef: { name: 'mongodb', key: 'uri' } } }] : []),
  ];
  const probe = (path: string, extra: Manifest) => ({ httpGet: { path, port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 3, ...extra });
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      // Headless: the StatefulSet's stable network identity; also what PodMonitors select by port.
      spec: { clusterIP: 'None', selector: { 'app.kubernetes.io/name': name }, ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics' }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, labels },
      spec: {
        serviceName: name,
        replicas: 1,
        // Replicas are independent consumers of one group: no ordered start-up needed.
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: { 'app.kubernetes.io/name': name } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurity,
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
            ...spreadAndAntiAffinity(name),
            containers: [
              {
                name,
                image: 'todo-stream',
                imagePullPolicy: 'Always',
                command: ['node', `dist/streams/processors/${name}/main.js`],
                env,
                ports: [{ name: 'metrics', containerPort: METRICS_PORT }],
                // Start-up restores state stores from their changelogs: give it time.
                startupProbe: probe('/metrics', { failureThreshold: 30 }),
                livenessProbe: probe('/metrics', { failureThreshold: 3 }),
                // Not ready while it cannot commit (broker, registry or store down, retrying one batch).
                readinessProbe: probe('/readyz', { failureThreshold: 2 }),
                resources: {
                  requests: { cpu: '100m', memory: '192Mi', 'ephemeral-storage': '64Mi' },
                  limits: { cpu: '1', memory: '512Mi', 'ephemeral-storage': '128Mi' },
                },
                securityContext: restrictedContainer,
                volumeMounts: commonMounts,
              },
            ],
            volumes: commonVolumes,
          },
        },
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, labels },
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': name } } },
    },
  ];
}

export function processorWorkloads(): Manifest[] {
  return PROCESSORS.flatMap((p) => processorStatefulSet(p.name));
}

/**
 * The audit re-drive (connectors/redrive): a Deployment, since it keeps no state and needs no
 * stable identity (its consumer group's offsets are its progress). One replica: the sink's
 * dead-letter topic has one partition, so a second would only stand by. It wears the processors'
 * component label: their probe port (9464), PodMonitor and network policies (Kafka only; it never
 * touches the database or the registry) fit it as they are.
 */
export function redriveWorkload(): Manifest[] {
  const name = AUDIT_REDRIVE;
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'processor', ...partOf };
  const probe = (path: string, extra: Manifest) => ({ httpGet: { path, port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 3, ...extra });
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': name } },
        // Two members for a moment would only hand the one partition over twice.
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurity,
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
            ...spreadAndAntiAffinity(name),
            containers: [
              {
                name,
                image: 'todo-stream',
                imagePullPolicy: 'Always',
                command: ['node', 'dist/connectors/redrive/main.js'],
                env: [...kafkaEnv(name), { name: 'METRICS_PORT', value: String(METRICS_PORT) }],
                ports: [{ name: 'metrics', containerPort: METRICS_PORT }],
                startupProbe: probe('/healthz', { failureThreshold: 30 }),
                livenessProbe: probe('/healthz', { failureThreshold: 3 }),
                // Not ready while re-sending or committing has been failing for a minute (Kafka in trouble).
                readinessProbe: probe('/readyz', { failureThreshold: 2 }),
                resources: {
                  requests: { cpu: '50m', memory: '128Mi', 'ephemeral-storage': '16Mi' },
                  limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '64Mi' },
                },
                securityContext: restrictedContainer,
                volumeMounts: commonMounts,
              },
            ],
            volumes: commonVolumes,
          },
        },
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, labels },
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': name } } },
    },
  ];
}

const podSecurity = { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } };

const spreadAndAntiAffinity = (name: string) => ({
  topologySpreadConstraints: [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'app.kubernetes.io/name': name } } },
    { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'app.kubernetes.io/name': name } } },
  ],
  affinity: {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': name } } } },
      ],
    },
  },
});

const jwtEnv = [
  // One of the two: an HS256 secret, or a JWKS URL (RS256) with issuer and audience.
  { name: 'JWT_SECRET', valueFrom: { secretKeyRef: { name: 'gateway-jwt', key: 'secret', optional: true } } },
  { name: 'JWT_JWKS_URL', valueFrom: { configMapKeyRef: { name: 'todo-public', key: 'jwksUrl', optional: true } } },
  { name: 'JWT_ISSUER', valueFrom: { configMapKeyRef: { name: 'todo-public', key: 'jwtIssuer', optional: true } } },
  { name: 'JWT_AUDIENCE', valueFrom: { configMapKeyRef: { name: 'todo-public', key: 'jwtAudience', optional: true } } },
];
const mongoEnv = { name: 'MONGO_URL', valueFrom: { secretKeyRef: { name: 'mongodb', key: 'uri' } } };

/** The gateway and the bridge: stateless HTTP Deployments (replicas left to their HPAs). */
function httpDeployment(name: 'gateway' | 'bridge', port: number, env: Manifest[], probes: { ready: string; live: string }, resources: Manifest): Manifest {
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'http', ...partOf };
  const probe = (path: string, extra: Manifest) => ({ httpGet: { path, port: 'http' }, periodSeconds: 10, timeoutSeconds: 3, ...extra });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurity,
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          ...spreadAndAntiAffinity(name),
          containers: [
            {
              name,
              image: 'todo-stream',
              imagePullPolicy: 'Always',
              command: ['node', `dist/${name}/main.js`],
              env: [...kafkaEnv(name), { name: 'NODE_ENV', value: 'production' }, mongoEnv, ...jwtEnv, ...env],
              ports: [{ name: 'http', containerPort: port }],
              startupProbe: probe(probes.live, { failureThreshold: 30 }),
              livenessProbe: probe(probes.live, { failureThreshold: 3 }),
              readinessProbe: probe(probes.ready, { failureThreshold: 2 }),
              resources,
              securityContext: restrictedContainer,
              volumeMounts: commonMounts,
            },
          ],
          volumes: commonVolumes,
        },
      },
    },
  };
}

export function httpWorkloads(): Manifest[] {
  return [
    httpDeployment(
      'gateway',
      8080,
      [
        { name: 'GATEWAY_PORT', value: '8080' },
        // Where browsers reach the bridge (the page's Content-Security-Policy names it).
        { name: 'BRIDGE_PUBLIC_URL', valueFrom: { configMapKeyRef: { name: 'todo-public', key: 'bridgeUrl' } } },
        // The gateway's own drain is shorter than the pod's grace, so SIGKILL never cuts a request.
        { name: 'SHUTDOWN_GRACE_MS', value: '10000' },
      ],
      // /readyz: broker, registry and database reachable; /healthz: the process answers.
      { ready: '/readyz', live: '/healthz' },
      { requests: { cpu: '200m', memory: '256Mi', 'ephemeral-storage': '64Mi' }, limits: { cpu: '1', memory: '512Mi', 'ephemeral-storage': '128Mi' } },
    ),
    httpDeployment(
      'bridge',
      8090,
      [{ name: 'BRIDGE_PORT', value: '8090' }, { name: 'BRIDGE_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      // The bridge listens only once its feeds are assigned, so /healthz answering is readiness;
      // liveness asks /metrics, which needs a responsive event loop as well.
      { ready: '/healthz', live: '/metrics' },
      { requests: { cpu: '200m', memory: '256Mi', 'ephemeral-storage': '64Mi' }, limits: { cpu: '1', memory: '768Mi', 'ephemeral-storage': '128Mi' } },
    ),
  ];
}

/** `todo-schemas register` before the app starts: registers every subject, creates missing topics. */
export function schemaJob(): Manifest {
  const labels = { 'app.kubernetes.io/name': 'schemas', 'app.kubernetes.io/component': 'job', ...partOf };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'schemas-register', labels },
    spec: {
      backoffLimit: 6,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'OnFailure',
          automountServiceAccountToken: false,
          securityContext: podSecurity,
          containers: [
            {
              name: 'register',
              image: 'todo-stream',
              imagePullPolicy: 'Always',
              command: ['node', 'dist/contracts/avro/cli.js', 'register'],
              env: kafkaEnv('schemas'),
              resources: { requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '16Mi' }, limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '64Mi' } },
              securityContext: restrictedContainer,
              volumeMounts: commonMounts,
            },
          ],
          volumes: commonVolumes,
        },
      },
    },
  };
}

export const GENERATED: Record<string, () => Manifest[]> = {
  'app.yaml': httpWorkloads,
  'schemas-job.yaml': () => [schemaJob()],
  'topics.yaml': kafkaTopics,
  'users.yaml': kafkaUsers,
  'connector.yaml': () => [kafkaConnector()],
  'processors.yaml': processorWorkloads,
  'audit-redrive.yaml': redriveWorkload,
};
