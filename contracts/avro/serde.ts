// Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary), through the
// registry. Writer ids are looked up once at start-up and readers resolve each writer schema once,
// so the hot path never calls the registry.
import type avro from 'avsc';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { PermanentError, TransientError } from '../../platform/index.js';
import { defaultTopicPrefix, parseSchema, topicSchemas, type EventTopic, type TopicSchema } from './catalog.js';

const MAGIC_BYTE = 0;
const HEADER_LENGTH = 5;

export type SerdeErrorCode = 'SCHEMA_NOT_REGISTERED' | 'NOT_CONFLUENT_FRAMED' | 'UNKNOWN_SCHEMA_ID' | 'UNDECODABLE' | 'INVALID_EVENT';

/** A record or value that cannot be (de)serialized. Never retriable: the same bytes fail again. */
export class SerdeError extends PermanentError {
  declare readonly code: SerdeErrorCode;
  constructor(code: SerdeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export class EventSerde {
  private readonly schemas: Map<EventTopic, TopicSchema>;
  private readonly writerIds = new Map<EventTopic, number>();
  private readonly readers = new Map<string, Promise<avro.Resolver>>();

  constructor(
    private readonly registry: SchemaRegistry,
    { topicPrefix = defaultTopicPrefix() } = {},
  ) {
    this.schemas = topicSchemas(topicPrefix);
  }

  static forUrl(url: string, options: { topicPrefix?: string } = {}): EventSerde {
    return new EventSerde(new SchemaRegistry({ host: url }), options);
  }

  /**
   * Looks up the registry id of each topic's local schema. Producers never register: schemas
   * reach the registry through the schema CLI, after its compatibility check.
   */
  async init(topics: EventTopic[] = [...this.schemas.keys()]): Promise<void> {
    for (const topic of topics) {
      const { contract, schema } = this.local(topic);
      try {
        const id = await this.registry.getRegistryIdBySchema(contract.subject, {
          type: SchemaType.AVRO,
          schema: JSON.stringify(schema),
        });
        this.writerIds.set(topic, id);
      } catch (cause) {
        throw new SerdeError(
          'SCHEMA_NOT_REGISTERED',
          `the local schema of ${topic} is not registered under ${contract.subject}; run \`make schemas-register\``,
          { cause },
        );
      }
    }
  }

  schemaId(topic: EventTopic): number {
    const id = this.writerIds.get(topic);
    if (id === undefined) throw new Error(`EventSerde.init() has not resolved ${topic}`);
    return id;
  }

  encode(topic: EventTopic, value: unknown): Buffer {
    const { type } = this.local(topic);
    // The gateway encodes every write here: without an error hook avsc checks the value without
    // tracking paths, and only a value that fails is checked again to say where.
    if (!type.isValid(value)) {
      const errors: string[] = [];
      type.isValid(value, { errorHook: (path) => errors.push(path.join('.') || '(root)') });
      throw new SerdeError('INVALID_EVENT', `event for ${topic} does not match its schema at: ${errors.join(', ')}`);
    }
    const body = type.toBuffer(value);
    const framed = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
    framed.writeUInt8(MAGIC_BYTE, 0);
    framed.writeInt32BE(this.schemaId(topic), 1);
    body.copy(framed, HEADER_LENGTH);
    return framed;
  }

  /** Decodes data written with any registered version into the shape of the local schema. */
  async decode<T = unknown>(topic: EventTopic, bytes: Buffer): Promise<T> {
    if (bytes.length < HEADER_LENGTH || bytes.readUInt8(0) !== MAGIC_BYTE) {
      throw new SerdeError('NOT_CONFLUENT_FRAMED', `record on ${topic} is not in the Confluent wire format`);
    }
    const id = bytes.readInt32BE(1);
    const resolver = await this.readerFor(topic, id);
    try {
      return this.local(topic).type.fromBuffer(bytes.subarray(HEADER_LENGTH), resolver) as T;
    } catch (cause) {
      throw new SerdeError('UNDECODABLE', `record on ${topic} does not decode with schema id ${id}`, { cause });
    }
  }

  private readerFor(topic: EventTopic, id: number): Promise<avro.Resolver> {
    const key = `${topic}/${id}`;
    let reader = this.readers.get(key);
    if (!reader) {
      reader = this.resolve(topic, id);
      // A failed lookup is not cached: the registry may have been briefly unreachable.
      reader.catch(() => this.readers.delete(key));
      this.readers.set(key, reader);
    }
    return reader;
  }

  private async resolve(topic: EventTopic, id: number): Promise<avro.Resolver> {
    let writerSchema: object;
    try {
      const writer = (await this.registry.getSchema(id)) as unknown as avro.Type;
      writerSchema = writer.schema() as object;
    } catch (cause) {
      // Only a definite "no such id" condemns the record; an unreachable registry is retried.
      // The registry client reports a refused connection as a status 400, so only a 404 is
      // read as an answer; anything else means the registry could not be asked.
      const status = (cause as { status?: number } | null)?.status;
      if (status !== 404) throw new TransientError('REGISTRY_UNAVAILABLE', `the registry could not resolve schema id ${id}`, { cause });
      throw new SerdeError('UNKNOWN_SCHEMA_ID', `schema id ${id} of a record on ${topic} is not in the registry`, { cause });
    }
    return this.local(topic).type.createResolver(parseSchema(writerSchema));
  }

  private local(topic: EventTopic) {
    const entry = this.schemas.get(topic);
    if (!entry) throw new Error(`no schema for topic ${topic}`);
    return entry;
  }
}
