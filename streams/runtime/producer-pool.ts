// "One transactional producer per concurrently processed partition": a fixed pool of
// transactional producers, one per consumer worker. A transaction borrows a producer for its
// duration; a producer whose transactional state became fatal (fenced, or an unrecoverable
// error) is replaced by a fresh one under the same transactional id.
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { within } from './deadline.js';
import { keepUntilDisconnected } from './left-behind.js';

export interface ProducerSlot {
  readonly index: number;
  producer: KafkaJS.Producer;
  /** Its replacement failed: the producer it holds is disconnected, and must be replaced again. */
  broken: boolean;
}

/** How long a broken producer may take to disconnect before it is left behind. */
const DISCONNECT_TIMEOUT_MS = 10_000;

export class ProducerPool {
  private readonly slots: ProducerSlot[] = [];
  private readonly free: ProducerSlot[] = [];
  private readonly waiting: ((slot: ProducerSlot) => void)[] = [];

  /** `connect` makes a connected producer (transactions initialized) for a slot; `replacing` after a failure. */
  constructor(
    private readonly size: number,
    private readonly connect: (index: number, replacing: boolean) => Promise<KafkaJS.Producer>,
  ) {}

  async start(): Promise<void> {
    for (let index = 0; index < this.size; index++) {
      const slot = { index, producer: await this.connect(index, false), broken: false };
      this.slots.push(slot);
      this.free.push(slot);
    }
  }

  /** A producer nobody else is using; waits when all are busy. */
  acquire(): Promise<ProducerSlot> {
    const slot = this.free.pop();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(slot: ProducerSlot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }

  /**
   * Swaps a broken producer for a new one under the same transactional id: its initTransactions
   * fences the old one and aborts whatever it left open. The old one gets a bounded disconnect
   * (one stuck in a call that never returns is left behind, kept referenced: left-behind.ts); `connect` must be
   * bounded itself. Until it succeeds the slot is `broken`, and the next failure replaces again.
   */
  async replace(slot: ProducerSlot): Promise<void> {
    slot.broken = true;
    const disconnected = slot.producer.disconnect();
    keepUntilDisconnected(slot.producer, disconnected);
    await within(DISCONNECT_TIMEOUT_MS, 'producer disconnect', disconnected).catch(() => undefined);
    slot.producer = await this.connect(slot.index, true);
    slot.broken = false;
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => within(DISCONNECT_TIMEOUT_MS, 'producer disconnect', slot.producer.disconnect()).catch(() => undefined)));
  }
}
