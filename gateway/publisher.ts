// Produces the gateway's events: straight to Kafka (idempotent producer, acks=all) while the
// broker answers; into the durable outbox while it does not, relayed in order when it returns.
//
// Two rules make it hard to lose or reorder an event, and each is one place in the code:
//  - Every publish takes a slot in one serial chain (`inOrder`) the moment it is accepted, and
//    its fate (acked, or stored in the outbox) is decided in that slot, after every earlier
//    one. So the outbox receives events in the order they were accepted, a queued event can
//    never overtake a direct send still in flight, and "the chain is idle" means every
//    accepted event is either acked or stored.
//  - The relay hands back to direct sends from inside the chain: once the outbox is nearly
//    empty, its last pass takes a slot, so every publish accepted before it is decided (acked,
//    or stored and read by that pass), and every publish accepted after it waits for it. That
//    pass relays what is left and, when the broker acked all of it, switches to direct sends.
//    The publishes that waited behind it then hand their sends to librdkafka in their slots, in
//    order (each decided at the chain's tail, as any direct send; a slot behind one still
//    undecided goes behind its decision), and a new publish joins them in the chain until the
//    last of them has, so none can overtake. (Waiting for an idle chain instead never ended under a steady write rate:
//    a gateway that met one slow ack stayed in outbox mode, every write a 202, for minutes.)
//    An entry leaves the outbox only after the broker acked that entry.
// A request waits `answerTimeoutMs` for its ack; then it is answered 'queued' and its event goes
// to the outbox, but the send stays in flight in librdkafka (whose own message.timeout.ms is
// much longer): if the broker acks it later, that ack removes the entry, and the relay waits
// for such sends before it reads the outbox, so it never sends again what may still arrive. A
// duplicate is left only where no process can know: a delivery that failed after the broker
// wrote it, or a gateway that died before the ack; consumers absorb those by eventId.
// With several gateway replicas a lease lets one relay at a time, and each replica checks the
// shared outbox periodically so it joins outbox mode when another replica has entries queued.
import { randomUUID } from 'node:crypto';
import { RdKafka } from '@confluentinc/kafka-javascript';
import { kafkaProducerFactory, type ProducerLike } from '../platform/kafka-producer.js';
import type { Logger } from '../platform/logger.js';
import type { Outbox, OutboxEntry, OutgoingRecord } from './outbox.js';

export type { OutgoingRecord };
export { kafkaProducerFactory, type ProducerLike };
export type PublishResult = 'sent' | 'queued';

export interface EventPublisher {
  /** Resolves once the broker acked the event ('sent') or the outbox holds it ('queued'). */
  publish(record: OutgoingRecord): Promise<PublishResult>;
}

export interface PublisherHooks {
  produced?(topic: string, via: 'direct' | 'outbox'): void;
  outboxDepth?(depth: number): void;
  /** An outbox entry the broker refused for good was moved to `outbox-dead`. */
  buried?(topic: string, code: string): void;
  /** The producer failed for good (librdkafka fatal error) and is being replaced. */
  producerReplaced?(): void;
}

export interface PublisherOptions {
  createProducer: () => ProducerLike;
  outbox: Outbox;
  logger: Logger;
  hooks?: PublisherHooks;
  /** How long a request waits for the broker's ack before its event is queued (the send goes on). */
  answerTimeoutMs?: number;
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

/** librdkafka's error code -> name (10 -> ERR_MSG_SIZE_TOO_LARGE). */
const CODE_NAMES = new Map(Object.entries(RdKafka.CODES.ERRORS as Record<string, number>).map(([name, code]) => [code, name]));

/** The librdkafka name of a send's error: the KafkaJS layer's `type`, else the code's name (a real send rejects with a LibrdKafkaError that has only `code`). */
function errorName(err: unknown): string | undefined {
  const { type, code } = (err ?? {}) as { type?: unknown; code?: unknown };
  if (typeof type === 'string') return type;
  return typeof code === 'number' ? CODE_NAMES.get(code) : undefined;
}

export function isOutage(err: unknown): boolean {
  const name = errorName(err);
  return !(name !== undefined && UNPRODUCIBLE.has(name));
}

/** librdkafka's ERR__FATAL (-150): an idempotent producer that can send nothing more; only a new one can. */
export function isFatal(err: unknown): boolean {
  const { fatal, code, type } = (err ?? {}) as { fatal?: unknown; code?: unknown; type?: unknown };
  return fatal === true || code === -150 || type === 'ERR__FATAL';
}

function errorCodeOf(err: unknown): string {
  return errorName(err) ?? 'UNPRODUCIBLE';
}

type Answer = { kind: 'acked' } | { kind: 'late' } | { kind: 'failed'; err: unknown };
/** A send handed to librdkafka: its delivery (which may end after its answer) and its answer. */
interface Send {
  delivery: Promise<void>;
  answer: Promise<Answer>;
}

export class KafkaPublisher implements EventPublisher {
  private producer: ProducerLike | null = null;
  private mode: 'direct' | 'outbox' = 'outbox';
  /** The tail of the serial chain every publish takes a slot in (see the top of the file). */
  private chain: Promise<unknown> = Promise.resolve();
  /** Publishes accepted into the chain and not yet sent or queued: while any waits, no publish may send directly. */
  private waitingSlots = 0;
  /** Sends of such publishes, handed over after the relay handed back, whose decision has not run yet. */
  private convertedUndecided = 0;
  /** Sends answered 'queued' whose delivery librdkafka still tries; their ack removes their entry. */
  private readonly lateSends = new Set<Promise<void>>();
  private stopped = false;
  private wake: (() => void) | null = null;
  /**
   * The outbox's depth as last counted by the relay, plus what this process queued since: a
   * count on every accepted write would put a scan of the whole collection (FerretDB pushes no
   * count down) into the ordered chain every write waits in, while the relay is trying to catch up.
   */
  private knownDepth = Number.NaN;
  /** When the relay last said how far it got (at most every RELAY_PROGRESS_MS). */
  private progressAt = 0;
  private loop: Promise<void> | null = null;
  private readonly owner = randomUUID();
  private readonly answerTimeoutMs: number;
  private readonly retryMs: number;
  private readonly idleCheckMs: number;
  private readonly relayBatch: number;

  constructor(private readonly opts: PublisherOptions) {
    this.answerTimeoutMs = opts.answerTimeoutMs ?? 4000;
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
    const producer = this.mode === 'direct' && this.waitingSlots === 0 ? this.producer : null;
    if (producer) return this.sendDirect(producer, record);
    this.waitingSlots += 1;
    return this.waitForSlot(record);
  }

  /**
   * A publish that may not send directly yet (outbox mode, or publishes accepted before it
   * still wait): in its slot, it is queued, or, when the relay handed back meanwhile, its send
   * leaves then (everything before it is acked), decided at the chain's tail as any direct
   * send. A slot that finds such a send still undecided goes behind its decision: a send that
   * failed fast is queued by that decision, and must be queued before this one.
   */
  private waitForSlot(record: OutgoingRecord): Promise<PublishResult> {
    // Wrapped, so the slot does not wait for work it put behind itself.
    const slot = this.inOrder(async (): Promise<{ result: Promise<PublishResult> }> => {
      const direct = this.mode === 'direct' ? this.producer : null;
      if (direct) {
        this.waitingSlots -= 1;
        this.convertedUndecided += 1;
        return { result: this.sendDirect(direct, record, () => (this.convertedUndecided -= 1)) };
      }
      if (this.convertedUndecided > 0) return { result: this.waitForSlot(record) };
      this.waitingSlots -= 1;
      await this.queue(record);
      return { result: Promise.resolve('queued' as const) };
    });
    return slot.then((s) => s.result);
  }

  /** Stops the relay, waits for the publishes in flight, flushes and disconnects. Queued events stay queued. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.chain;
    // The loop may be inside a connect attempt to a broker that is down (librdkafka gives up
    // only after its own timeout); queued events are safe in the outbox, so do not wait for it.
    await Promise.race([this.loop?.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    const producer = this.producer;
    this.producer = null;
    if (producer) {
      // Late sends acked within the flush leave the outbox; the others stay there, and the next
      // relay sends them (perhaps a second time: consumers absorb that by eventId).
      await producer.flush({ timeout: 5000 }).catch(() => undefined);
      await Promise.race([Promise.allSettled([...this.lateSends]), delay(1000)]);
      await producer.disconnect().catch(() => undefined);
    }
    await this.opts.outbox.releaseLease(this.owner).catch(() => undefined);
  }

  /** Runs `step` in the next slot of the chain: after every earlier publish is decided. */
  private inOrder<T>(step: () => Promise<T>): Promise<T> {
    const decided = this.chain.then(step);
    // A failed slot (its caller gets the error, a 503) must not block the ones behind it.
    this.chain = decided.catch(() => undefined);
    return decided;
  }

  private async queue(record: OutgoingRecord): Promise<void> {
    await this.opts.outbox.append(record);
    if (Number.isFinite(this.knownDepth)) this.knownDepth += 1;
    else this.knownDepth = await this.opts.outbox.depth().catch(() => Number.NaN);
    this.opts.hooks?.outboxDepth?.(this.knownDepth);
    this.kick();
  }

  private sendDirect(producer: ProducerLike, record: OutgoingRecord, onDecided?: () => void): Promise<PublishResult> {
    const send = this.send(producer, record);
    const decided = this.inOrder(() => this.decide(send, record).finally(onDecided));
    // The caller hears 'sent' as soon as its ack is in; otherwise it waits for its slot.
    return send.answer.then((a) => {
      if (a.kind !== 'acked') return decided;
      this.opts.hooks?.produced?.(record.topic, 'direct');
      return 'sent' as const;
    });
  }

  /** Hands the record to librdkafka; its answer is the ack, a failure, or 'late' after `answerTimeoutMs`. */
  private send(producer: ProducerLike, record: OutgoingRecord): Send {
    const delivery = producer.send({ topic: record.topic, messages: [{ key: record.key, value: record.value, headers: record.headers }] }).then(() => undefined);
    const answer = new Promise<Answer>((resolve) => {
      const timer = setTimeout(() => resolve({ kind: 'late' }), this.answerTimeoutMs);
      delivery.then(
        () => resolve({ kind: 'acked' }),
        (err: unknown) => resolve({ kind: 'failed', err }),
      );
      void delivery.finally(() => clearTimeout(timer)).catch(() => undefined);
    }).then((a) => {
      // Leave direct mode at once, not when this send's slot comes: no more sends behind it.
      if (a.kind === 'late' || (a.kind === 'failed' && isOutage(a.err))) this.enterOutboxMode(a.kind === 'late' ? 'no ack in time' : a.err);
      if (a.kind === 'failed' && isFatal(a.err)) this.dropProducer(producer, a.err);
      return a;
    });
    return { delivery, answer };
  }

  /** A send's fate, decided in its slot of the chain: acked, refused for good (thrown), or queued. */
  private async decide({ delivery, answer }: Send, record: OutgoingRecord): Promise<PublishResult> {
    const a = await answer;
    if (a.kind === 'acked') return 'sent';
    if (a.kind === 'failed' && !isOutage(a.err)) throw a.err;
    await this.queue(record);
    if (a.kind === 'late') this.followLateSend(delivery, record);
    return 'queued';
  }

  /** A send answered 'queued' that librdkafka still delivers: its ack takes its entry out. */
  private followLateSend(delivery: Promise<void>, record: OutgoingRecord): void {
    const followed = delivery.then(
      async () => {
        await this.opts.outbox.remove([record.eventId]);
        if (Number.isFinite(this.knownDepth)) this.opts.hooks?.outboxDepth?.((this.knownDepth = Math.max(0, this.knownDepth - 1)));
        this.opts.hooks?.produced?.(record.topic, 'direct');
      },
      () => undefined, // undelivered: the entry stays, and the relay sends it
    );
    this.trackLate(followed.catch((err: unknown) => this.opts.logger.warn({ err, eventId: record.eventId }, 'a late ack could not take its event out of the outbox; the relay will send it again')));
  }

  /** Sends that may still be acked: the relay reads the outbox only once they ended. */
  private trackLate(sends: Promise<unknown>): void {
    const tracked = sends.then(
      () => undefined,
      () => undefined,
    );
    this.lateSends.add(tracked);
    void tracked.finally(() => this.lateSends.delete(tracked));
  }

  /**
   * A producer in librdkafka's fatal state fails every send for good: the relay would retry the
   * outbox with it forever. It is dropped (bounded disconnect, in the background) and the loop
   * connects a fresh one, which relays what was queued meanwhile.
   */
  private dropProducer(producer: ProducerLike, err: unknown): void {
    if (this.producer !== producer) return;
    this.producer = null;
    this.enterOutboxMode(err);
    this.opts.logger.error({ err }, 'the producer failed for good (librdkafka fatal error): connecting a new one');
    this.opts.hooks?.producerReplaced?.();
    void Promise.race([producer.disconnect(), delay(5000)]).catch(() => undefined);
    this.kick();
  }

  private enterOutboxMode(reason: unknown): void {
    if (this.mode !== 'direct') return;
    this.mode = 'outbox';
    this.opts.logger.warn({ err: reason }, 'broker unreachable: writes go to the outbox until it returns');
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
          if (!this.stopped && (await this.opts.outbox.peek(1)).length > 0) this.enterOutboxMode('another replica is queueing');
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
    for (;;) {
      if (this.stopped || this.producer !== producer) return false;
      await this.settleLateSends();
      const batch = await this.opts.outbox.peek(this.relayBatch);
      if (batch.length > 0 && !(await this.relay(producer, batch))) return false;
      if (batch.length < this.relayBatch) {
        // Nearly caught up, and the broker just acked: what joined meanwhile is relayed in a
        // slot of the chain, which hands back to direct sends (see the top of the file).
        const outcome = await this.inOrder(() => this.handBack(producer));
        if (outcome === 'direct') {
          await this.opts.outbox.releaseLease(this.owner);
          return true;
        }
        if (outcome === 'unreachable') return false;
      }
      await this.opts.outbox.acquireLease(this.owner, 30_000);
    }
  }

  /**
   * No send that may still be acked is relayed a second time: the relay waits for the publishes
   * accepted so far to be decided (a late one is tracked in its slot, right after its entry is
   * stored), then for the late sends (only direct sends become late, and none start in outbox
   * mode, so they end). The chain's tail is taken once: the writes that join it meanwhile are
   * not waited for.
   */
  private async settleLateSends(): Promise<void> {
    const waitedFrom = Date.now();
    // Twice: a slot of the first tail may put its publish's work (a queue, a send's decision)
    // behind it, and that work ends by the second.
    await this.chain;
    await this.chain;
    const late = this.lateSends.size;
    await Promise.allSettled([...this.lateSends]);
    // A relay that waits is a backlog that does not move while writes keep joining it: said.
    const waited = Date.now() - waitedFrom;
    if (waited > RELAY_WAIT_WARN_MS) this.opts.logger.warn({ waitedMs: waited, lateSends: late }, 'outbox relay waited for the publishes in flight and the late sends before reading');
  }

  /**
   * The relay's last pass, run in a slot of the chain: every publish accepted before it is in the
   * outbox or acked, and every one accepted after it waits. 'direct' when the outbox is empty
   * and direct sends are back; 'again' when more is left (or a late send appeared meanwhile).
   */
  private async handBack(producer: ProducerLike): Promise<'direct' | 'again' | 'unreachable'> {
    if (this.producer !== producer) return 'unreachable';
    if (this.stopped || this.lateSends.size > 0) return 'again';
    const batch = await this.opts.outbox.peek(this.relayBatch);
    if (batch.length === this.relayBatch) return 'again';
    if (batch.length > 0) {
      // Every publish behind this slot waits for it: no longer than a request waits for an ack.
      const pass = this.relay(producer, batch);
      const relayed = await within(pass, this.answerTimeoutMs);
      if (relayed === 'late') {
        this.trackLate(pass);
        return 'again';
      }
      if (!relayed) return 'unreachable';
    }
    // Another replica may have queued meanwhile: only an empty outbox hands back.
    if ((await this.opts.outbox.peek(1)).length > 0) return 'again';
    // Synchronous from the read on: no publish can be decided between it and the switch.
    if (this.producer !== producer) return 'unreachable'; // dropped (fatal): the loop connects a new one
    if (this.stopped) return 'again';
    this.mode = 'direct';
    this.knownDepth = 0;
    this.opts.hooks?.outboxDepth?.(0);
    this.opts.logger.info('outbox drained: writes go straight to the broker again');
    return 'direct';
  }

  /** Sends one batch of the outbox. False when the broker is unreachable (or the producer failed for good). */
  private async relay(producer: ProducerLike, batch: OutboxEntry[]): Promise<boolean> {
    // One send per record, all at once: librdkafka keeps them in order per partition, and
    // each record leaves the outbox only once the broker acked it.
    const results = await Promise.allSettled(
      batch.map((e) => producer.send({ topic: e.topic, messages: [{ key: e.key, value: e.value, headers: e.headers }] })),
    );
    const acked = batch.filter((_, i) => results[i]!.status === 'fulfilled');
    await this.opts.outbox.remove(acked.map((e) => e.eventId));
    for (const e of acked) this.opts.hooks?.produced?.(e.topic, 'outbox');
    // An entry the broker refuses for good would block every entry behind it forever: it is
    // moved aside with its reason, and the relay goes on.
    for (const [i, e] of batch.entries()) {
      const r = results[i]!;
      if (r.status !== 'rejected' || isOutage(r.reason)) continue;
      const code = errorCodeOf(r.reason);
      await this.opts.outbox.bury(e, { code, message: String((r.reason as Error | null)?.message ?? r.reason) });
      this.opts.hooks?.buried?.(e.topic, code);
      this.opts.logger.error({ err: r.reason, eventId: e.eventId, topic: e.topic, code }, 'outbox relay: the broker refused an event for good; moved to outbox-dead');
    }
    this.knownDepth = await this.opts.outbox.depth();
    this.opts.hooks?.outboxDepth?.(this.knownDepth);
    if (acked.length > 0 && Date.now() - this.progressAt >= RELAY_PROGRESS_MS) {
      this.progressAt = Date.now();
      this.opts.logger.info({ relayed: acked.length, left: this.knownDepth }, 'outbox relay: catching up');
    }
    const fatal = results.find((r) => r.status === 'rejected' && isFatal(r.reason));
    if (fatal?.status === 'rejected') {
      this.dropProducer(producer, fatal.reason);
      return false;
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && isOutage(r.reason));
    if (failed) {
      this.opts.logger.warn({ err: failed.reason, relayed: acked.length }, 'outbox relay: broker still unreachable');
      return false;
    }
    return true;
  }
}

/** A relay pass that waited this long before it could read the outbox is logged. */
const RELAY_WAIT_WARN_MS = 5000;
/** How often, at most, the relay logs its progress while it catches up. */
const RELAY_PROGRESS_MS = 5000;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The promise's value if it settles within `ms`, else 'late' (the promise goes on). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, ms, 'late')));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
