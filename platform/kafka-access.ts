// Who may do what on Kafka: one table, per service, of the topics it reads and writes, the
// consumer groups it joins and the transactional ids it uses. strimzi/generate turns it into
// the KafkaTopics and the least-privilege KafkaUsers (ACLs); the SASL/SCRAM broker test applies
// the same ACLs to a local broker and runs the services with their own users.
//
// Names are logical (no TOPIC_PREFIX): the prefix is applied where the names are made physical,
// exactly as the services do (contracts/avro/catalog.ts, platform/topic-names.ts TopicNames).
import { contractFor, topicContracts, type EventTopic } from '../contracts/avro/catalog.js';
import { changelogTopicConfig, deadLetterTopic, deadLetterTopicConfig, TopicNames, withDeadLetters } from './topic-names.js';

/** A stream processor as the runtime sees it: what it consumes, produces and keeps in stores. */
export interface ProcessorAccess {
  readonly name: string;
  readonly inputs: readonly EventTopic[];
  readonly outputs: readonly EventTopic[];
  readonly stores: readonly string[];
}

/**
 * Kept equal to each processor's own declaration (name, inputs, outputs, stores) by
 * platform/kafka-access.unit.spec.ts, which builds the real processors and compares.
 */
export const PROCESSORS: readonly ProcessorAccess[] = [
  { name: 'task-view', inputs: ['task-events'], outputs: ['task-views'], stores: [] },
  { name: 'settings-view', inputs: ['user-events'], outputs: [], stores: [] },
  { name: 'scheduler', inputs: ['task-events', 'user-events'], outputs: ['reminders'], stores: ['tasks', 'due', 'users'] },
  { name: 'recurrence', inputs: ['task-events', 'user-events'], outputs: ['task-events', 'recurrences'], stores: ['tasks', 'series', 'due', 'users'] },
  { name: 'notifier', inputs: ['reminders', 'task-events', 'user-events'], outputs: ['notifications'], stores: ['pending', 'tasks', 'settings'] },
  { name: 'notification-view', inputs: ['notifications'], outputs: [], stores: [] },
];

export type ResourcePattern = { name: string; pattern: 'literal' | 'prefix' };
export type TopicOperation = 'Read' | 'Write' | 'Describe' | 'Create' | 'DescribeConfigs';

export interface ServiceAccess {
  /** The KafkaUser's and the workload's name. */
  readonly name: string;
  readonly kind: 'gateway' | 'bridge' | 'processor' | 'worker' | 'job' | 'platform';
  /** The production command's script, relative to the image's /app; null for platform components. */
  readonly entry: string | null;
  readonly topics: readonly { topic: ResourcePattern; operations: readonly TopicOperation[] }[];
  /** Consumer groups it joins or names (a group id is needed even for manual assignment). */
  readonly groups: readonly ResourcePattern[];
  readonly transactionalIds: readonly ResourcePattern[];
}

const literal = (name: string): ResourcePattern => ({ name, pattern: 'literal' });
const prefixed = (name: string): ResourcePattern => ({ name, pattern: 'prefix' });

/** Group id prefix of the gateway's read-your-writes consumer (gateway/view-changes.ts). */
export const GATEWAY_GROUP_PREFIX = 'gateway-view-changes-';
/** Every group of the bridge starts with it (bridge/server.ts): live feeds, replay reader. */
export const BRIDGE_GROUP_PREFIX = 'bridge-';

function processorAccess(p: ProcessorAccess, prefix: string): ServiceAccess {
  const names = new TopicNames(p.name, prefix);
  const physical = (t: EventTopic) => names.physical(t);
  const own = [...p.stores.map((s) => names.changelog(s)), ...p.inputs.map((t) => names.deadLetter(physical(t)))];
  return {
    name: p.name,
    kind: 'processor',
    entry: `dist/streams/processors/${p.name}/main.js`,
    topics: [
      ...p.inputs.map((t) => ({ topic: literal(physical(t)), operations: ['Read'] as const })),
      ...p.outputs.map((t) => ({ topic: literal(physical(t)), operations: ['Write'] as const })),
      // Its changelogs and dead-letter topics: restored from, appended to, and created at
      // start-up when missing (topics.ts asks to create them even when they exist).
      ...own.map((t) => ({ topic: literal(t), operations: ['Read', 'Write', 'Create'] as const })),
    ],
    // The group itself and its restore readers (`<group>-restore-<instance>`).
    groups: [prefixed(names.group)],
    // `<group>-<instanceId>-<slot>`
    transactionalIds: [prefixed(`${names.group}-`)],
  };
}

/** Every service with its Kafka access, with topic and group names behind `prefix`. */
export function serviceAccess(prefix = ''): ServiceAccess[] {
  const t = (name: EventTopic) => topicContracts(prefix).find((c) => c.name === name)!.topic;
  return [
    {
      name: 'gateway',
      kind: 'gateway',
      entry: 'dist/gateway/main.js',
      topics: [
        { topic: literal(t('task-events')), operations: ['Write'] },
        { topic: literal(t('user-events')), operations: ['Write'] },
        { topic: literal(t('notifications')), operations: ['Write'] },
        { topic: literal(t('task-views')), operations: ['Read'] },
      ],
      groups: [prefixed(`${prefix}${GATEWAY_GROUP_PREFIX}`)],
      transactionalIds: [],
    },
    {
      name: 'bridge',
      kind: 'bridge',
      entry: 'dist/bridge/main.js',
      topics: [
        { topic: literal(t('task-views')), operations: ['Read'] },
        { topic: literal(t('notifications')), operations: ['Read', 'Write'] },
      ],
      groups: [prefixed(`${prefix}${BRIDGE_GROUP_PREFIX}`)],
      transactionalIds: [],
    },
    ...PROCESSORS.map((p) => processorAccess(p, prefix)),
    {
      // The audit re-drive (connectors/redrive): reads the sink's dead letters, re-sends the
      // transient ones to the retry topic (idempotent producer), creates both topics when missing
      // (it may start before the connector has made its dead-letter topic).
      name: AUDIT_REDRIVE,
      kind: 'worker',
      entry: 'dist/connectors/redrive/main.js',
      topics: [
        { topic: literal(auditDeadLetterTopic(prefix)), operations: ['Read', 'Describe', 'Create'] },
        { topic: literal(auditRetryTopic(prefix)), operations: ['Write', 'Describe', 'Create'] },
      ],
      groups: [literal(`${prefix}${AUDIT_REDRIVE}`)],
      transactionalIds: [],
    },
    {
      // The schema Job (`todo-schemas register`): lists the topics and creates the missing
      // event topics and their dead-letter topics. It never reads or writes a record.
      name: 'schemas',
      kind: 'job',
      entry: 'dist/contracts/avro/cli.js',
      topics: [
        ...topicContracts(prefix).flatMap((c) => [
          { topic: literal(c.topic), operations: ['Describe', 'Create'] as const },
          { topic: literal(`dlq.${c.topic}`), operations: ['Describe', 'Create'] as const },
        ]),
        // Made before the connector subscribes to it (the sink would see it only at its next
        // metadata refresh, up to 5 minutes later, if the re-drive created it first).
        { topic: literal(auditRetryTopic(prefix)), operations: ['Describe', 'Create'] },
      ],
      groups: [],
      transactionalIds: [],
    },
  ];
}

/** Kafka Connect's worker group and the prefix of its internal topics (strimzi/base/connect). */
export const CONNECT_GROUP = 'todo-connect';
/** The audit sink's name (connectors/audit-sink.json.tmpl): its consumer group is `connect-<name>`. */
export const AUDIT_SINK = 'audit-sink';
/**
 * The audit re-drive (connectors/redrive): its consumer group on the sink's dead-letter topic is
 * `<prefix>audit-redrive`.
 */
export const AUDIT_REDRIVE = 'audit-redrive';
/** Where the audit sink dead-letters what it could not write (`errors.deadletterqueue.topic.name`). */
export const auditDeadLetterTopic = (prefix = ''): string => deadLetterTopic(`${prefix}${AUDIT_SINK}`);
/** Where the re-drive re-sends a dead letter that failed for a transient reason; the sink consumes it too. */
export const auditRetryTopic = (prefix = ''): string => `${prefix}audit-retry`;

/**
 * The retry topic as every creator makes it (the re-drive at start-up, the schema CLI, the Strimzi
 * KafkaTopic): the event topics' partitions and settings, kept as long as the dead letters its
 * records come from.
 */
export function auditRetryTopicSpec(prefix = ''): TopicSpec {
  const events = contractFor('task-events', prefix);
  return { name: auditRetryTopic(prefix), partitions: events.partitions, config: { ...events.config, ...deadLetterTopicConfig }, role: 'retry' };
}

/** The schema registry's (Apicurio kafkasql) topics and consumer groups start with it. */
export const REGISTRY_PREFIX = 'registry-';

/**
 * The platform's own clients in the cluster: Kafka Connect (the audit sink) and the schema
 * registry (its storage is a Kafka topic). Not in the local SASL test: the local stack runs them
 * without authentication.
 */
export function platformAccess(prefix = ''): ServiceAccess[] {
  // The audit sink subscribes to every event topic, task-views included (its outcomes land in
  // the `<collection>_outcomes` collection: connectors/audit-sink.json.tmpl).
  const audited = topicContracts(prefix);
  return [
    {
      name: 'connect',
      kind: 'platform',
      entry: null,
      topics: [
        ...audited.map((c) => ({ topic: literal(c.topic), operations: ['Read', 'Describe'] as const })),
        // config, offset and status topics: created by the worker, which checks their configs.
        { topic: prefixed(`${CONNECT_GROUP}-`), operations: ['Read', 'Write', 'Create', 'Describe', 'DescribeConfigs'] },
        { topic: literal(auditDeadLetterTopic(prefix)), operations: ['Write', 'Create', 'Describe'] },
        // The re-drive's retry topic: the sink reads it like the event topics.
        { topic: literal(auditRetryTopic(prefix)), operations: ['Read', 'Describe'] },
      ],
      groups: [literal(CONNECT_GROUP), literal(`connect-${prefix}${AUDIT_SINK}`)],
      transactionalIds: [],
    },
    {
      name: 'registry',
      kind: 'platform',
      entry: null,
      topics: [{ topic: prefixed(REGISTRY_PREFIX), operations: ['Read', 'Write', 'Create', 'Describe', 'DescribeConfigs'] }],
      // kafkasql joins a fresh group on every start to replay the whole journal.
      groups: [prefixed(REGISTRY_PREFIX)],
      transactionalIds: [],
    },
  ];
}

export interface AclRule {
  resource: { type: 'topic' | 'group' | 'transactionalId'; name: string; patternType: 'literal' | 'prefix' };
  operations: string[];
}

/**
 * A service's ACLs, as Strimzi's KafkaUser spells them (strimzi/generate) and as the SASL broker
 * test creates them: joining, fetching from and committing to a group needs Read on it; a
 * transactional producer needs Write (and Describe) on its transactional id.
 */
export function aclRules(s: ServiceAccess): AclRule[] {
  const rule = (type: AclRule['resource']['type'], r: ResourcePattern, operations: readonly string[]): AclRule => ({
    resource: { type, name: r.name, patternType: r.pattern },
    operations: [...operations],
  });
  return [
    ...s.topics.map((t) => rule('topic', t.topic, t.operations)),
    ...s.groups.map((g) => rule('group', g, ['Read'])),
    ...s.transactionalIds.map((t) => rule('transactionalId', t, ['Write', 'Describe'])),
  ];
}

export interface TopicSpec {
  name: string;
  partitions: number;
  config: Record<string, string>;
  /** What the topic is, for the manifest's labels. */
  role: 'event' | 'changelog' | 'dead-letter' | 'retry' | 'registry';
}

/**
 * Every topic the system needs: the contract's event topics, a dead-letter topic per event
 * topic, each processor's changelogs, the audit sink's dead-letter topic and the re-drive's retry
 * topic, with the configs the code would create them with.
 */
export function topicSpecs(prefix = ''): TopicSpec[] {
  const contracts = topicContracts(prefix);
  const partitions = contracts[0]!.partitions;
  const specs: TopicSpec[] = withDeadLetters(contracts).map(({ topic, partitions, config, role }) => ({ name: topic, partitions, config: { ...config }, role }));
  for (const p of PROCESSORS) {
    const names = new TopicNames(p.name, prefix);
    for (const store of p.stores) specs.push({ name: names.changelog(store), partitions, config: changelogTopicConfig, role: 'changelog' });
  }
  specs.push({ name: auditDeadLetterTopic(prefix), partitions: 1, config: deadLetterTopicConfig, role: 'dead-letter' });
  specs.push(auditRetryTopicSpec(prefix));
  // Apicurio's kafkasql storage: one ordered journal kept forever, and its snapshots.
  for (const name of ['kafkasql-journal', 'kafkasql-snapshots']) {
    specs.push({ name: `${REGISTRY_PREFIX}${name}`, partitions: 1, config: { 'cleanup.policy': 'delete', 'retention.ms': '-1' }, role: 'registry' });
  }
  return specs;
}
