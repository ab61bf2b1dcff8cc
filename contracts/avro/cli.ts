// todo-schemas: checks the local event schemas against the registry, registers them, lists and
// diffs versions, and creates the event topics.
//
//   todo-schemas check            exit 1, with the registry's reasons, on an incompatible change
//   todo-schemas register         check, set each subject's level, register, create topics
//   todo-schemas list             subjects with their versions, ids and levels
//   todo-schemas diff [topic]     field-level difference between the registry's latest and local
//   todo-schemas topics           create the event topics (and their dead-letter topics, and the
//                                 audit re-drive's retry topic, which the audit sink reads)
//
// SCHEMA_REGISTRY_URL and KAFKA_BROKERS say where; the defaults are the local stack's.
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { kafkaSecurity } from '../../platform/kafka-security.js';
import { metadataOnceKnown } from '../../platform/known-topics.js';
import { auditRetryTopicSpec } from '../../platform/kafka-access.js';
import { configEntries, withDeadLetters } from '../../platform/topic-names.js';
import { defaultTopicPrefix, topicContracts, topicSchemas, type TopicContract } from './catalog.js';
import { RegistryClient, RegistryError } from './registry-client.js';
import { diffSchemas } from './schema-diff.js';

const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7';
const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const registry = new RegistryClient(registryUrl);
const TOPICS = topicContracts();
const local = topicSchemas();

const say = (line: string): void => void process.stdout.write(`${line}\n`);

function localSchema(contract: TopicContract): string {
  const entry = local.get(contract.name);
  if (!entry) throw new Error(`no local schema for ${contract.topic}`);
  return JSON.stringify(entry.schema);
}

async function check(): Promise<boolean> {
  let ok = true;
  for (const contract of TOPICS) {
    const versions = await registry.versions(contract.subject);
    if (versions.length === 0) {
      say(`ok    ${contract.subject}: new subject, will be registered as version 1 (${contract.compatibility})`);
      continue;
    }
    const latest = await registry.version(contract.subject, 'latest');
    const changes = diffSchemas(JSON.parse(latest.schema), JSON.parse(localSchema(contract)));
    if (changes.length === 0) {
      say(`ok    ${contract.subject}: unchanged since version ${latest.version} (id ${latest.id})`);
      continue;
    }
    const level = await registry.compatibility(contract.subject);
    const result = await registry.testCompatibility(contract.subject, localSchema(contract));
    if (result.compatible) {
      say(`ok    ${contract.subject}: compatible (${level}) with versions ${versions.join(', ')}`);
    } else {
      ok = false;
      say(`FAIL  ${contract.subject}: incompatible (${level}) with registered versions ${versions.join(', ')}`);
      for (const message of result.messages) say(`        ${message}`);
    }
    for (const change of changes) say(`        ${change}`);
  }
  return ok;
}

async function ensureTopics(): Promise<void> {
  const admin = new KafkaJS.Kafka({ ...kafkaSecurity(), kafkaJS: { brokers, logLevel: KafkaJS.logLevel.ERROR } }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    // A contract topic's dead-letter topic is made as the runtime and the Strimzi manifests make it
    // (platform/topic-names.ts): its retention is the dead letters', not the events'.
    // The retry topic exists before the audit connector is applied, which subscribes to it: a
    // topic created after the subscription is seen only at the next metadata refresh (5 min).
    const retry = auditRetryTopicSpec(defaultTopicPrefix());
    const all = [...withDeadLetters(TOPICS), { topic: retry.name, partitions: retry.partitions, config: retry.config }];
    const wanted = all.filter((t) => !existing.has(t.topic));
    if (wanted.length > 0) {
      await admin.createTopics({
        topics: wanted.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          replicationFactor: Number(process.env.TOPIC_REPLICATION ?? 1),
          configEntries: configEntries(t.config),
        })),
      });
      // CreateTopics commits on the controller; whoever runs right after this command (a
      // processor's start-up, a test) must not be told "Unknown topic or partition".
      await metadataOnceKnown(admin, wanted.map((t) => t.topic), { timeoutMs: 30_000 });
    }
    for (const t of TOPICS) say(`topic ${t.topic}: ${existing.has(t.topic) ? 'exists' : `created, ${t.partitions} partitions`}`);
  } finally {
    await admin.disconnect();
  }
}

async function register(): Promise<boolean> {
  if (!(await check())) {
    say('nothing registered: fix the incompatible schemas above first');
    return false;
  }
  for (const contract of TOPICS) {
    await registry.setCompatibility(contract.subject, contract.compatibility);
    const id = await registry.register(contract.subject, localSchema(contract));
    say(`registered ${contract.subject}: id ${id}`);
  }
  await ensureTopics();
  return true;
}

async function list(): Promise<void> {
  for (const subject of (await registry.subjects()).sort()) {
    const versions = await registry.versions(subject);
    const ids = await Promise.all(versions.map(async (v) => `v${v}=id ${(await registry.version(subject, v)).id}`));
    say(`${subject} (${await registry.compatibility(subject)}): ${ids.join(', ')}`);
  }
}

async function diff(topic?: string): Promise<void> {
  for (const contract of TOPICS.filter((t) => !topic || t.name === topic || t.topic === topic)) {
    const versions = await registry.versions(contract.subject);
    if (versions.length === 0) {
      say(`${contract.subject}: not registered yet`);
      continue;
    }
    const latest = await registry.version(contract.subject, 'latest');
    const changes = diffSchemas(JSON.parse(latest.schema), JSON.parse(localSchema(contract)));
    say(`${contract.subject}: version ${latest.version} -> local${changes.length ? '' : ': no difference'}`);
    for (const change of changes) say(`  ${change}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv;
  switch (command) {
    case 'check':
      return (await check()) ? 0 : 1;
    case 'register':
      return (await register()) ? 0 : 1;
    case 'list':
      await list();
      return 0;
    case 'diff':
      await diff(arg);
      return 0;
    case 'topics':
      await ensureTopics();
      return 0;
    default:
      process.stderr.write('usage: todo-schemas check|register|list|diff [topic]|topics\n');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof RegistryError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`todo-schemas: ${message}\n`);
    process.exit(1);
  },
);
