// The event contract as code: which topic carries which root record, under which registry subject
// and compatibility level, and the composed Avro schema of each topic built from the one-record-
// per-file sources in schemas/avro/.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';

export type Compatibility =
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE'
  | 'NONE';

export type EventTopic = 'task-events' | 'user-events' | 'task-views' | 'reminders' | 'recurrences' | 'notifications';

export interface TopicContract {
  /** The logical name the code uses. */
  name: EventTopic;
  /** The physical topic: the name behind TOPIC_PREFIX, which isolates test runs and tenants. */
  topic: string;
  /** Confluent TopicNameStrategy: `<topic>-value`. */
  subject: string;
  compatibility: Compatibility;
  /** Full name of the record every value of the topic is. */
  root: string;
  partitions: number;
  config: Record<string, string>;
}

const DEFAULT_PARTITIONS = Number(process.env.TOPIC_PARTITIONS ?? 6);
/** 1 for the single local broker; a replicated cluster wants 2 (with TOPIC_REPLICATION=3, see the CLI). */
const MIN_INSYNC_REPLICAS = process.env.TOPIC_MIN_INSYNC_REPLICAS ?? '1';
/** Prepended to every topic and subject; empty in production. */
export const defaultTopicPrefix = (): string => process.env.TOPIC_PREFIX ?? '';

const eventTopic = (name: EventTopic, root: string, prefix: string): TopicContract => ({
  name,
  topic: `${prefix}${name}`,
  subject: `${prefix}${name}-value`,
  // Consumers replay the log from its start, so a new schema must read every older version.
  compatibility: 'BACKWARD_TRANSITIVE',
  root,
  partitions: DEFAULT_PARTITIONS,
  // Events are facts kept for replay and audit: never compacted, kept a long time.
  config: { 'cleanup.policy': 'delete', 'retention.ms': String(90 * 24 * 3600 * 1000), 'min.insync.replicas': MIN_INSYNC_REPLICAS },
});

export function topicContracts(prefix = defaultTopicPrefix()): TopicContract[] {
  const views = eventTopic('task-views', 'todo.view.TaskViewChange', prefix);
  // Derived from task-events and rebuilt from it at will: a week is plenty.
  views.config = { ...views.config, 'retention.ms': String(7 * 24 * 3600 * 1000) };
  return [
    eventTopic('task-events', 'todo.task.TaskEvent', prefix),
    eventTopic('user-events', 'todo.user.UserEvent', prefix),
    views,
    eventTopic('reminders', 'todo.reminder.ReminderEvent', prefix),
    eventTopic('recurrences', 'todo.recurrence.RecurrenceEvent', prefix),
    eventTopic('notifications', 'todo.notification.NotificationEvent', prefix),
  ];
}

export function contractFor(name: EventTopic, prefix = defaultTopicPrefix()): TopicContract {
  const contract = topicContracts(prefix).find((t) => t.name === name);
  if (!contract) throw new Error(`no contract for topic ${name}`);
  return contract;
}

type AvroJson = string | AvroJson[] | { [key: string]: AvroJson } | number | boolean | null;
interface NamedSchema {
  name: string;
  namespace?: string;
  [key: string]: AvroJson | undefined;
}

export const AVRO_DIR = join(import.meta.dirname, '..', '..', 'schemas', 'avro');

function listAvsc(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'history' ? [] : listAvsc(path);
    return entry.name.endsWith('.avsc') ? [path] : [];
  });
}

const fullName = (s: NamedSchema): string => (s.namespace ? `${s.namespace}.${s.name}` : s.name);

/** Every named type of schemas/avro/, by full name, as written in its file. */
export function loadDefinitions(dir = AVRO_DIR): Map<string, NamedSchema> {
  const defs = new Map<string, NamedSchema>();
  for (const file of listAvsc(dir)) {
    const schema = JSON.parse(readFileSync(file, 'utf8')) as NamedSchema;
    const name = fullName(schema);
    if (defs.has(name)) throw new Error(`${name} is defined twice (second time in ${file})`);
    defs.set(name, schema);
  }
  return defs;
}

/**
 * The self-contained schema of `root`: each referenced named type is inlined where it first
 * appears, as Avro requires, keeping docs and defaults exactly as written (a parser's export
 * would drop some, such as enum defaults).
 */
export function composeSchema(root: string, defs = loadDefinitions()): NamedSchema {
  const defined = new Set<string>();
  const inline = (node: AvroJson): AvroJson => {
    if (typeof node === 'string') {
      const def = defs.get(node);
      if (!def || defined.has(node)) return node;
      defined.add(node);
      return inline(def as unknown as AvroJson);
    }
    if (Array.isArray(node)) return node.map(inline);
    if (node && typeof node === 'object') {
      const out: Record<string, AvroJson> = {};
      for (const [key, value] of Object.entries(node)) {
        // Only these keys hold types; a default or doc that happens to equal a type name stays text.
        out[key] = key === 'type' || key === 'items' || key === 'values' || key === 'fields' ? inline(value) : value;
      }
      if (typeof out.name === 'string' && (out.type === 'record' || out.type === 'enum' || out.type === 'fixed')) {
        defined.add(fullName(out as unknown as NamedSchema));
      }
      return out;
    }
    return node;
  };
  const def = defs.get(root);
  if (!def) throw new Error(`no schema named ${root} in ${AVRO_DIR}`);
  return inline(def as unknown as AvroJson) as unknown as NamedSchema;
}

/** Parser options every reader and writer of our events shares. */
export const AVRO_OPTIONS = { wrapUnions: 'auto' } as const;

export function parseSchema(schema: object | string): avro.Type {
  const json = typeof schema === 'string' ? (JSON.parse(schema) as avro.Schema) : (schema as avro.Schema);
  // A fresh options object each time: avsc stores its registry of named types on it.
  return avro.Type.forSchema(json, { ...AVRO_OPTIONS });
}

export interface TopicSchema {
  contract: TopicContract;
  schema: NamedSchema;
  type: avro.Type;
}

/** The composed schema of each topic, by logical name, validated by the Avro parser. */
export function topicSchemas(prefix = defaultTopicPrefix(), defs = loadDefinitions()): Map<EventTopic, TopicSchema> {
  return new Map(
    topicContracts(prefix).map((contract) => {
      const schema = composeSchema(contract.root, defs);
      return [contract.name, { contract, schema, type: parseSchema(schema) }];
    }),
  );
}
