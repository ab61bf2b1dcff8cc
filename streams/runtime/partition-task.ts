// One assigned partition of one processor: its state stores and the context the processor sees.
// Shared by the Kafka runtime and the in-memory TestDriver, so a processor meets the same rules
// in both: a failed record leaves no trace (its store writes are rolled back, its forwards
// dropped), headers that trace a request flow from input to output, and the transaction's store
// writes are read back as changelog records at commit.
import { MemoryStore, type PartitionStore, type StoreChange } from './state-store.js';
import type { InputRecord, OutputRecord, Processor, ProcessorContext, Punctuator } from './types.js';

/** Headers copied from an input record to what it causes, unless the processor sets them. */
export const PROPAGATED_HEADERS = ['correlation-id', 'traceparent'] as const;

export interface TaskOptions<T> {
  processor: Processor;
  partition: number;
  now: () => number;
  /**
   * Turns a forwarded record into what the transaction will carry (the runtime encodes it with
   * the topic's Avro schema). Runs inside the record's failure scope: a record whose output
   * cannot be encoded fails like one whose process() threw.
   */
  seal: (record: OutputRecord) => T;
  /** Told how long each process() took (seconds), for the runtime's latency histogram. */
  observe?: (record: InputRecord, seconds: number) => void;
  /** Makes the partition's store of each name (default: in memory); the runtime's follow STREAMS_STORE. */
  openStore?: (store: string, partition: number) => PartitionStore<unknown>;
}

export class PartitionTask<T = OutputRecord> {
  readonly partition: number;
  readonly processor: Processor;
  private readonly stores = new Map<string, PartitionStore<unknown>>();

  constructor(private readonly options: TaskOptions<T>) {
    this.partition = options.partition;
    this.processor = options.processor;
    const openStore = options.openStore ?? (() => new MemoryStore<unknown>());
    for (const { name } of options.processor.stores ?? []) this.stores.set(name, openStore(name, options.partition));
  }

  store<V>(name: string): PartitionStore<V> {
    const store = this.stores.get(name);
    if (!store) throw new Error(`processor ${this.options.processor.name} declares no store named ${name}`);
    return store as PartitionStore<V>;
  }

  storeNames(): string[] {
    return [...this.stores.keys()];
  }

  /** Runs process() for one record; on failure undoes its store writes and rethrows. */
  async process(record: InputRecord): Promise<T[]> {
    const started = performance.now();
    try {
      return await this.run((ctx) => this.options.processor.process(record, ctx), record.headers);
    } finally {
      this.options.observe?.(record, (performance.now() - started) / 1000);
    }
  }

  /** Runs one punctuation of `fn` for this partition. */
  punctuate(fn: Punctuator): Promise<T[]> {
    return this.run((ctx) => fn(ctx), {});
  }

  /** Runs `fn` with a context of its own (forwards, stores), e.g. a processor's dead-letter hook. */
  runWith(fn: (ctx: ProcessorContext) => Promise<void> | void, inputHeaders: Record<string, string> = {}): Promise<T[]> {
    return this.run(fn, inputHeaders);
  }

  /** A point in the uncommitted writes of every store, to roll back to with rollbackTo(). */
  mark(): Map<string, number> {
    return new Map([...this.stores].map(([name, store]) => [name, store.mark()]));
  }

  rollbackTo(marks: Map<string, number>): void {
    for (const [name, store] of this.stores) store.rollback(marks.get(name));
  }

  /** The final value (its JSON) of every key written since the last commit, per store. */
  changes(): { store: string; changes: StoreChange<string>[] }[] {
    return [...this.stores].map(([store, s]) => ({ store, changes: s.encodedChanges() })).filter((c) => c.changes.length > 0);
  }

  /** The partition is gone: its stores drop what they hold (a disk store clears its database). */
  close(): void {
    for (const store of this.stores.values()) store.close();
  }

  commit(): void {
    for (const store of this.stores.values()) store.commit();
  }

  /** The transaction aborted: the stores go back to their last committed state. */
  abort(): void {
    for (const store of this.stores.values()) store.rollback();
  }

  private async run(body: (ctx: ProcessorContext) => Promise<void> | void, inputHeaders: Record<string, string>): Promise<T[]> {
    const marks = this.mark();
    const forwarded: OutputRecord[] = [];
    let open = true;
    const ctx: ProcessorContext = {
      partition: this.partition,
      now: this.options.now,
      store: <V>(name: string) => this.store<V>(name),
      forward: (record) => {
        // A forward after process() resolved (a forgotten await) would escape the transaction.
        if (!open) throw new Error(`forward() to ${record.topic} after process() returned; await your async work`);
        forwarded.push(withPropagatedHeaders(record, inputHeaders));
      },
    };
    try {
      await body(ctx);
      open = false;
      return forwarded.map(this.options.seal);
    } catch (err) {
      open = false;
      this.rollbackTo(marks);
      throw err;
    }
  }
}

function withPropagatedHeaders(record: OutputRecord, input: Record<string, string>): OutputRecord {
  const headers = { ...record.headers };
  for (const name of PROPAGATED_HEADERS) {
    const value = input[name];
    if (value !== undefined && headers[name] === undefined) headers[name] = value;
  }
  return { ...record, headers };
}
