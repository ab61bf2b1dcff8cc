// The checker's own way into the log: a plain read_committed consumer that reads whole topics,
// and an Avro decoder that asks the registry for each writer schema by id (Confluent framing:
// magic byte 0, 4-byte schema id). It shares no code with the services.
import { KafkaJS } from '@confluentinc/kafka-javascript';
import avro from 'avsc';

export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Record<string, unknown> | null;
}

export class RegistryDecoder {
  private readonly types = new Map<number, Promise<avro.Type>>();

  constructor(private readonly registryUrl: string) {}

  private type(id: number): Promise<avro.Type> {
    let type = this.types.get(id);
    if (!type) {
      type = (async () => {
        const res = await fetch(`${this.registryUrl}/schemas/ids/${id}`);
        if (!res.ok) throw new Error(`registry has no schema id ${id} (HTTP ${res.status})`);
        const { schema } = (await res.json()) as { schema: string };
        return avro.Type.forSchema(JSON.parse(schema) as avro.Schema, { wrapUnions: 'auto' });
      })();
      this.types.set(id, type);
    }
    return type;
  }

  async decode(bytes: Buffer): Promise<Record<string, unknown>> {
    if (bytes.length < 5 || bytes[0] !== 0) throw new Error('not Confluent-framed Avro');
    const type = await this.type(bytes.readInt32BE(1));
    return type.fromBuffer(bytes.subarray(5)) as Record<string, unknown>;
  }
}

/** A union branch as avsc gives it: `{ "todo.task.TaskCreated": {...} }` when wrapped. */
export function unwrapUnion(value: unknown): { branch?: string; value: Record<string, unknown> } {
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0]!.includes('.')) return { branch: keys[0]!, value: (value as Record<string, Record<string, unknown>>)[keys[0]!]! };
  }
  return { value: value as Record<string, unknown> };
}

export class LogReader {
  private readonly kafka: KafkaJS.Kafka;

  constructor(
    brokers: string[],
    private readonly decoder: RegistryDecoder,
  ) {
    this.kafka = new KafkaJS.Kafka({ kafkaJS: { brokers, logLevel: KafkaJS.logLevel.NOTHING } });
  }

  async topics(): Promise<string[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await admin.listTopics();
    } finally {
      await admin.disconnect();
    }
  }

  /** Records in the topic (high minus low watermark, summed over partitions). */
  async size(topic: string): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Every committed record of `topic`, decoded, in partition order. Done when each partition's
   * reader has passed the high watermark taken first, or nothing came for `idleMs` (a partition
   * ending in aborted records or commit markers never shows its last offsets).
   */
  async readAll(topic: string, { decode = true, idleMs = 8000 } = {}): Promise<LogRecord[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    const high = new Map<number, number>();
    try {
      for (const p of await admin.fetchTopicOffsets(topic)) high.set(p.partition, Number(p.high));
    } finally {
      await admin.disconnect();
    }
    const last = new Map<number, number>();
    const caughtUp = () => [...high].every(([p, h]) => h === 0 || (last.get(p) ?? -1) >= h - 1);
    const raw: { partition: number; offset: number; key: Buffer | null; value: Buffer | null }[] = [];
    if (caughtUp()) return [];
    const consumer = this.kafka.consumer({
      kafkaJS: { groupId: `chaos-checker-${Date.now()}-${Math.random().toString(36).slice(2)}`, fromBeginning: true, autoCommit: false, readUncommitted: false },
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic });
      await new Promise<void>((resolve, reject) => {
        let idle: NodeJS.Timeout = setTimeout(resolve, idleMs * 3);
        consumer
          .run({
            eachMessage: ({ partition, message }) => {
              raw.push({ partition, offset: Number(message.offset), key: message.key, value: message.value });
              last.set(partition, Number(message.offset));
              clearTimeout(idle);
              if (caughtUp()) resolve();
              else idle = setTimeout(resolve, idleMs);
              return Promise.resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    raw.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    const out: LogRecord[] = [];
    for (const r of raw) {
      out.push({
        topic,
        partition: r.partition,
        offset: r.offset,
        key: r.key?.toString() ?? null,
        value: decode && r.value ? await this.decoder.decode(r.value) : null,
      });
    }
    return out;
  }
}
