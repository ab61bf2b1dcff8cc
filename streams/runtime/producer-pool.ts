// "One transactional producer per concurrently processed partition": a fixed pool of
// transactional producers, one per consumer worker. A transaction borrows a producer for its
// duration; a producer whose transactional state became fatal (fenced, or an unrecoverable
// error) is replaced by a fresh one under the same transactional id.
import type { KafkaJS } from '@confluentinc/kafka-javascript';

export interface ProducerSlot {
  readonly index: number;
  producer: KafkaJS.Producer;
}

export class ProducerPool {
  private readonly slots: ProducerSlot[] = [];
  private readonly free: ProducerSlot[] = [];
  private readonly waiting: ((slot: ProducerSlot) => void)[] = [];

  /** `connect` makes a connected producer (transactions initialized) for a slot. */
  constructor(
    private readonly size: number,
    private readonly connect: (index: number) => Promise<KafkaJS.Producer>,
  ) {}

  async start(): Promise<void> {
    for (let index = 0; index < this.size; index++) {
      const slot = { index, producer: await this.connect(index) };
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

  /** Swaps a broken producer for a new one (initTransactions also aborts whatever it left open). */
  async replace(slot: ProducerSlot): Promise<void> {
    await slot.producer.disconnect().catch(() => undefined);
    slot.producer = await this.connect(slot.index);
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.producer.disconnect().catch(() => undefined)));
  }
}
