// Follows a topic's every partition from the moment the bridge starts, committed records only.
// No consumer group: every bridge instance reads everything and serves its own sockets, so
// instances are added without any coordination (README: "Scaling the bridge"). The start
// position is the high watermark read before the first socket is accepted, so a session that
// begins later never misses what lies between its replay's end and the feed's position.
import { RdKafka } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { asError } from '../streams/runtime/range-reader.js';

export interface FeedOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  logger: Logger;
}

type Handler = (message: RdKafka.Message) => Promise<void> | void;

/** How long one poll waits for a first record; later records of a burst are taken without waiting. */
const POLL_MS = 200;

export class LiveFeed {
  private readonly consumer: RdKafka.KafkaConsumer;
  private running = false;
  private loop: Promise<void> | undefined;
  /** Per partition, the offset of the last record whose handler has returned. */
  private readonly positions: number[] = [];
  partitionCount = 0;

  constructor(private readonly options: FeedOptions) {
    this.consumer = new RdKafka.KafkaConsumer(
      {
        'bootstrap.servers': options.brokers.join(','),
        'group.id': options.groupId,
        'enable.auto.commit': false,
        'isolation.level': 'read_committed',
        'fetch.wait.max.ms': 10,
      },
      { 'auto.offset.reset': 'latest' },
    );
    this.consumer.setDefaultConsumeTimeout(POLL_MS);
    (this.consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
  }

  /** Connects and assigns every partition at its current end; records after that go to `handler`, in order. */
  async start(handler: Handler): Promise<void> {
    await new Promise<void>((resolve, reject) => this.consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(asError(err)) : resolve())));
    const metadata = await new Promise<RdKafka.Metadata>((resolve, reject) => {
      this.consumer.getMetadata({ topic: this.options.topic, timeout: 10_000 }, (err, data) => (err ? reject(asError(err)) : resolve(data)));
    });
    const partitions = metadata.topics.find((t) => t.name === this.options.topic)?.partitions ?? [];
    if (partitions.length === 0) throw new Error(`topic ${this.options.topic} does not exist (run make schemas-register)`);
    this.partitionCount = partitions.length;
    const assignment: { topic: string; partition: number; offset: number }[] = [];
    for (const { id } of partitions) {
      const { highOffset } = await new Promise<RdKafka.WatermarkOffsets>((resolve, reject) => {
        this.consumer.queryWatermarkOffsets(this.options.topic, id, 5000, (err, offsets) => (err ? reject(asError(err)) : resolve(offsets)));
      });
      assignment.push({ topic: this.options.topic, partition: id, offset: Number(highOffset) });
      this.positions[id] = Number(highOffset) - 1;
    }
    this.consumer.assign(assignment);
    this.running = true;
    this.loop = this.run(handler);
  }

  private async run(handler: Handler): Promise<void> {
    while (this.running) {
      let messages: RdKafka.Message[];
      try {
        messages = await new Promise((resolve, reject) => this.consumer.consume(500, (err, batch) => (err ? reject(asError(err)) : resolve(batch))));
      } catch (err) {
        if (!this.running) return;
        // librdkafka retries broker errors itself; a failed poll is logged and polled again.
        this.options.logger.warn({ err }, 'live feed poll failed');
        continue;
      }
      for (const message of messages) {
        try {
          await handler(message);
        } catch (err) {
          this.options.logger.error({ err, partition: message.partition, offset: message.offset }, 'live feed could not handle a record; skipped');
        }
        this.positions[message.partition] = message.offset;
      }
    }
  }

  /**
   * Everything up to this offset of `partition` has been handled; everything after it will be.
   * Read synchronously where a listener registers, it splits the log between "before you
   * listened" and "live" with no gap (the replay covers the first part).
   */
  position(partition: number): number {
    return this.positions[partition] ?? -1;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await new Promise<void>((resolve) => (this.consumer.isConnected() ? this.consumer.disconnect(() => resolve()) : resolve()));
  }
}
