// Produces the gateway's events: straight to Kafka (idempotent producer, acks=all) while the
// broker answers; into the durable outbox while it does not, relayed in order when it returns.
//
// Ordering is the hard part. A user's events must reach the log in the order they were
// accepted, so:
//  - a send that fails (librdkafka gives up after message.timeout.ms: the message is then
//    definitely not in flight, so queueing it cannot duplicate it) switches to outbox mode and
//    appends itself;
//  - in outbox mode every new event is appended behind the sends still in flight, through one
//    serial chain, so nothing overtakes;
//  - the relay leaves outbox mode only when the outbox is empty and no append is pending, in
//    one synchronous step, so no direct send can pass a queued event.
// With several gateway replicas a lease lets one relay at a time, and each replica checks the
// shared outbox periodically so it joins outbox mode when another replica has entries queued.
import { randomUUID } from 'node:crypto';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from './logger.js';
import type { Outbox, OutgoingRecord } from './outbox.js';

export type { OutgoingRecord };
export type PublishResult = 'sent' | 'queued';

export interface EventPublisher {
  /** Resolves once the broker acked the event ('sent') or the outbox holds it ('queued'). */
  publish(record: OutgoingRecord): Promise<PublishResult>;
}

export interface ProducerLike {
  connect(): Promise<void>;
  send(args: { topic: string; messages: { key: string; value: Buffer; headers: Record<string, string> }[] }): Promise<unknown>;
  flush(args?: { timeout?: number }): Promise<void>;
  disconnect(): Promise<void>;
}

export interface PublisherHooks {
  produced?(topic: string, via: 'direct' | 'outbox'): void;
  outboxDepth?(depth: number): void;
}

export interface PublisherOptions {
  createProducer: () => ProducerLike;
  outbox: Outbox;
  logger: Logger;
  hooks?: PublisherHooks;
  /** Pause between relay attempts while the broker is away. */
  retryMs?: number;
  /** How often an idle replica checks the shared outbox. */
  idleCheckMs?: number;
  relayBatch?: number;
}

/** Only errors that mean "this record can never be produced"; anything else is an outage. */
const UNPRODUCIBLE = new Set([
  'ERR_MSG_SIZE_TOO_LARGE',
  'ERR__MSG_SIZE_TOO_LARGE',
  'ERR__INVALID_ARG',
  'ERR_INVALID_RECORD',
  'ERR_CORRUPT_MESSAGE',
  'ERR_TOPIC_AUTHORIZATION_FAILED',
]);

export function isOutage(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return !(typeof type === 'string' && UNPRODUCIBLE.has(type));
}

/** The production producer: idempotent, acks=all, a bounded delivery time. */
export function kafkaProducerFactory(brokers: string[], produceTimeoutMs: number, lingerMs = 2): () => ProducerLike {
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers, logLevel: KafkaJS.logLevel.NOTHING } });
  return () =>
    kafka.producer({
      kafkaJS: { idempotent: true, acks: -1 },
      // After this long librdkafka fails the delivery for good (never retried behind our back),
      // which is what makes queueing the event in the outbox safe.
      'message.timeout.ms': produceTimeoutMs,
      // Short: a request waits for its own ack (see PRODUCE_LINGER_MS in config.ts).
      'linger.ms': lingerMs,
      'socket.keepalive.enable': true,
    });
}

export class KafkaPublisher implements EventPublisher {
  private producer: ProducerLike | null = null;
  private mode: 'direct' | 'outbox' = 'outbox';
  private readonly inflight = new Set<Promise<PublishResult>>();
  private appendChain: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private readonly owner = randomUUID();
  private readonly retryMs: number;
  private readonly idleCheckMs: number;
  private readonly relayBatch: number;

  constructor(private readonly opts: PublisherOptions) {
    this.retryMs = opts.retryMs ?? 1000;
    this.idleCheckMs = opts.idleCheckMs ?? 1000;
    this.relayBatch = opts.relayBatch ?? 200;
  }

  /**
   * Connects in the background (a broker that is down at start-up only means outbox mode) and
   * resolves when connected, or after `waitMs` in any case.
   */
  async start(waitMs = 10_000): Promise<void> {
    this.loop = this.run();
    const deadline = Date.now() + waitMs;
    while (!this.producer && Date.now() < deadline && !this.stopped) await delay(50);
    // Give the relay one pass so a leftover outbox from a previous run is seen before traffic.
    while (this.producer && this.mode === 'outbox' && Date.now() < deadline && !this.stopped) await delay(20);
  }

  get connected(): boolean {
    return this.producer !== null;
  }

  get queueing(): boolean {
    return this.mode === 'outbox';
  }

  publish(record: OutgoingRecord): Promise<PublishResult> {
    if (this.stopped) return Promise.reject(new Error('publisher stopped'));
    if (this.mode === 'direct' && this.producer) {
      const sending = this.sendDirect(this.producer, record);
      this.inflight.add(sending);
      const forget = () => this.inflight.delete(sending);
      sending.then(forget, forget);
      return sending;
    }
    return this.enqueue(record);
  }

  /** Stops the relay, waits for sends in flight, flushes and disconnects. Queued events stay queued. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await Promise.allSettled([...this.inflight]);
    await this.appendChain.catch(() => undefined);
    // The loop may be inside a connect attempt to a broker that is down (librdkafka gives up
    // only after its own timeout); queued events are safe in the outbox, so do not wait for it.
    await Promise.race([this.loop?.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    const producer = this.producer;
    this.producer = null;
    if (producer) {
      await producer.flush({ timeout: 5000 }).catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
    }
    await this.opts.outbox.releaseLease(this.owner).catch(() => undefined);
  }

  private async sendDirect(producer: ProducerLike, record: OutgoingRecord): Promise<PublishResult> {
    try {
      await producer.send({ topic: record.topic, messages: [{ key: record.key, value: record.value, headers: record.headers }] });
      this.opts.hooks?.produced?.(record.topic, 'direct');
      return 'sent';
    } catch (err) {
      if (!isOutage(err)) throw err;
      if (this.mode === 'direct') {
        this.mode = 'outbox';
        this.opts.logger.warn({ err }, 'broker unreachable: writes go to the outbox until it returns');
      }
      // Sends that fail together fail in the order they were queued in librdkafka; they append
      // in that order, before anything enqueue() holds back behind them.
      await this.opts.outbox.append(record);
      this.opts.hooks?.outboxDepth?.(await this.opts.outbox.depth());
      this.kick();
      return 'queued';
    }
  }

  private enqueue(record: OutgoingRecord): Promise<PublishResult> {
    const inflight = [...this.inflight];
    const appended = this.appendChain.then(async () => {
      await Promise.allSettled(inflight);
      await this.opts.outbox.append(record);
    });
    // A failed append must not block the ones behind it; its caller gets the error (a 503).
    this.appendChain = appended.catch(() => undefined);
    return appended.then(async () => {
      this.opts.hooks?.outboxDepth?.(await this.opts.outbox.depth().catch(() => NaN));
      this.kick();
      return 'queued' as const;
    });
  }

  private kick(): void {
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.producer) {
          await this.connect();
          continue;
        }
        if (this.mode === 'outbox') {
          if (!(await this.drain())) await this.sleep(this.retryMs);
        } else {
          await this.sleep(this.idleCheckMs);
          // Another replica may be queueing: join it so this one cannot overtake its entries.
          if (!this.stopped && (await this.opts.outbox.peek(1)).length > 0) this.mode = 'outbox';
        }
      } catch (err) {
        this.opts.logger.error({ err }, 'outbox relay failed; retrying');
        await this.sleep(this.retryMs);
      }
    }
  }

  private async connect(): Promise<void> {
    const producer = this.opts.createProducer();
    try {
      await producer.connect();
      this.producer = producer;
      this.opts.logger.info('producer connected');
    } catch (err) {
      this.opts.logger.warn({ err }, 'broker unreachable at connect; retrying');
      await producer.disconnect().catch(() => undefined);
      await this.sleep(this.retryMs);
    }
  }

  /** Relays the outbox in order. True when it is empty and direct mode is back. */
  private async drain(): Promise<boolean> {
    const producer = this.producer;
    if (!producer) return false;
    if (!(await this.opts.outbox.acquireLease(this.owner, 30_000))) return false;
    await Promise.allSettled([...this.inflight]);
    for (;;) {
      if (this.stopped) return false;
      const chain = this.appendChain;
      await chain;
      const batch = await this.opts.outbox.peek(this.relayBatch);
      if (batch.length === 0) {
        // Nothing queued and no append pending since we looked: safe to send directly again.
        if (this.appendChain !== chain) continue;
        this.mode = 'direct';
        this.opts.hooks?.outboxDepth?.(0);
        this.opts.logger.info('outbox drained: writes go straight to the broker again');
        await this.opts.outbox.releaseLease(this.owner);
        return true;
      }
      // One send per record, all at once: librdkafka keeps them in order per partition, and
      // each record leaves the outbox only once the broker acked it.
      const results = await Promise.allSettled(
        batch.map((e) => producer.send({ topic: e.topic, messages: [{ key: e.key, value: e.value, headers: e.headers }] })),
      );
      const acked = batch.filter((_, i) => results[i]!.status === 'fulfilled');
      await this.opts.outbox.remove(acked.map((e) => e.eventId));
      for (const e of acked) this.opts.hooks?.produced?.(e.topic, 'outbox');
      this.opts.hooks?.outboxDepth?.(await this.opts.outbox.depth());
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) {
        this.opts.logger.warn({ err: failed.reason, relayed: acked.length }, 'outbox relay: broker still unreachable');
        return false;
      }
      await this.opts.outbox.acquireLease(this.owner, 30_000);
    }
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
