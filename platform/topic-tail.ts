// Follows every partition of one topic from its end as of `start()`, committed records only.
// No consumer group: each process (every gateway replica, every bridge instance) reads every
// partition itself, so replicas are added without coordination, and nothing is committed
// (records older than the process concern none of its callers). The start position is the high
// watermark read before `start()` resolves, so anything a caller registers for afterwards
// (a read-your-writes waiter, a socket whose replay ends at `position()`) cannot miss a record.
//
// Two callers: the gateway's read-your-writes waiters (gateway/view-changes.ts) and the
// bridge's live push with its replay hand-off (bridge/server.ts). The range reader
// (range-reader.ts) is the other half: a bounded read from a given offset to an end.
import { RdKafka } from '@confluentinc/kafka-javascript';
import { kafkaSecurity } from './kafka-security.js';
import { asError } from './range-reader.js';
import type { Logger } from './logger.js';

export interface TopicTailOptions {
  brokers: string[];
  topic: string;
  /** librdkafka needs one even without subscribing; it is never joined or committed to. */
  groupId: string;
  logger: Logger;
  /** How long the broker may hold a fetch for more data: the latency floor of a quiet topic. */
  fetchWaitMaxMs?: number;
}

/** Called for each record, in offset order per partition; the next record waits for it. */
export type TailHandler = (message: RdKafka.Message) => Promise<void> | void;

/** How long one poll waits for a first record; later records of a burst are taken without waiting. */
const POLL_MS = 200;
/** The most records one poll hands over. */
const BATCH = 500;

export class TopicTail {
  private readonly consumer: RdKafka.KafkaConsumer;
  private running = false;
  private loop: Promise<void> | undefined;
  /** Per partition, the offset of the last record whose handler has returned. */
  private readonly positions: number[] = [];
  partitionCount = 0;

  constructor(private readonly options: TopicTailOptions) {
    this.consumer = new RdKafka.KafkaConsumer(
      {
        'bootstrap.servers': options.brokers.join(','),
        ...kafkaSecurity(),
        'group.id': options.groupId,
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'isolation.level': 'read_committed',
        'fetch.wait.max.ms': options.fetchWaitMaxMs ?? 10,
        'socket.keepalive.enable': true,
      },
      { 'auto.offset.reset': 'latest' },
    );
    this.consumer.setDefaultConsumeTimeout(POLL_MS);
    // Not in the typings: without it a poll waits the whole timeout for a full batch.
    (this.consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
    this.consumer.on('event.error', (err) => options.logger.warn({ err, topic: options.topic }, 'topic tail consumer error'));
  }

  get topic(): string {
    return this.options.topic;
  }

  /**
   * Connects and assigns every partition at its current end; resolves once assigned, so from
   * then on nothing is missed. Records after that go to `handler`, in order per partition.
   */
  async start(handler: TailHandler): Promise<void> {
    const { topic } = this.options;
    await new Promise<void>((resolve, reject) => this.consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(asError(err)) : resolve())));
    const metadata = await new Promise<RdKafka.Metadata>((resolve, reject) => {
      this.consumer.getMetadata({ topic, timeout: 10_000 }, (err, data) => (err ? reject(asError(err)) : resolve(data)));
    });
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions ?? [];
    if (partitions.length === 0) throw new Error(`topic ${topic} does not exist (run make schemas-register)`);
    this.partitionCount = partitions.length;
    const ends = await Promise.all(partitions.map(({ id }) => this.end(id)));
    const assignment = partitions.map(({ id }, i) => {
      const offset = ends[i] ?? 0;
      this.positions[id] = offset - 1;
      return { topic, partition: id, offset };
    });
    this.consumer.assign(assignment);
    this.running = true;
    this.loop = this.run(handler);
  }

  /**
   * Everything up to this offset of `partition` has been handled; everything after it will be.
   * Read synchronously where a listener registers, it splits the log between "before you
   * listened" and "live" with no gap (a replay covers the first part).
   */
  position(partition: number): number {
    return this.positions[partition] ?? -1;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await new Promise<void>((resolve) => (this.consumer.isConnected() ? this.consumer.disconnect(() => resolve()) : resolve()));
  }

  private async run(handler: TailHandler): Promise<void> {
    while (this.running) {
      let messages: RdKafka.Message[];
      try {
        messages = await new Promise((resolve, reject) => this.consumer.consume(BATCH, (err, batch) => (err ? reject(asError(err)) : resolve(batch))));
      } catch (err) {
        if (!this.running) return;
        // librdkafka retries broker errors itself; a failed poll is logged and polled again.
        this.options.logger.warn({ err, topic: this.options.topic }, 'topic tail poll failed');
        continue;
      }
      for (const message of messages) {
        try {
          await handler(message);
        } catch (err) {
          this.options.logger.error({ err, topic: message.topic, partition: message.partition, offset: message.offset }, 'topic tail could not handle a record; skipped');
        }
        this.positions[message.partition] = message.offset;
      }
    }
  }

  private end(partition: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.consumer.queryWatermarkOffsets(this.options.topic, partition, 10_000, (err, offsets) => (err ? reject(asError(err)) : resolve(Number(offsets.highOffset))));
    });
  }
}
