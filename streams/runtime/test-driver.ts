// A TopologyTestDriver for one processor: no broker, no registry, a clock you move by hand.
// Each pipe() is one "transaction": the record is processed, its forwards are validated against
// the output topic's Avro schema (as the runtime's encoder would), and its store writes commit.
// Failures follow the runtime's rules (streams/runtime/batch.ts): a permanent failure sends the
// record to `deadLetters` (and the processor's deadLettered hook may forward its outcome); a
// transient one rolls the batch back and rejects, as the runtime would abort and retry it.
import type avro from 'avsc';
import { topicSchemas, type EventTopic } from '../../contracts/avro/catalog.js';
import { runBatch } from './batch.js';
import { errorCode, errorMessage } from './errors.js';
import { PartitionTask } from './partition-task.js';
import type { InputRecord, KeyValueStore, OutputRecord, Processor, Punctuator } from './types.js';
import { SerdeError } from '../../contracts/avro/serde.js';

export interface TestDriverOptions {
  /** Initial wall-clock time, epoch ms (default 0). */
  now?: number;
  /** Partitions assigned from the start (default [0]); a piped record's partition is added. */
  partitions?: number[];
  /** Check each forwarded record against its topic's Avro schema (default true). */
  validate?: boolean;
}

/** What pipe() accepts: only `value` is required. */
export type PipedRecord<V = unknown> = Partial<InputRecord<V>> & { value: V };

export interface DeadLetter {
  record: InputRecord;
  code: string;
  error: unknown;
}

interface Schedule {
  intervalMs: number;
  fn: Punctuator;
  next: number;
}

let schemaTypes: Map<EventTopic, avro.Type> | undefined;
function typeOf(topic: EventTopic): avro.Type {
  schemaTypes ??= new Map([...topicSchemas('')].map(([name, s]) => [name, s.type]));
  const type = schemaTypes.get(topic);
  if (!type) throw new Error(`no schema for topic ${topic}`);
  return type;
}

export class TestDriver {
  /** Every record sent to a dead-letter topic, in order. */
  readonly deadLetters: DeadLetter[] = [];
  private clock: number;
  private readonly tasks = new Map<number, PartitionTask>();
  private readonly schedules: Schedule[] = [];
  private readonly produced: OutputRecord[] = [];
  private readonly offsets = new Map<string, number>();
  private initialized: Promise<void> | undefined;

  constructor(
    private readonly processor: Processor,
    private readonly options: TestDriverOptions = {},
  ) {
    this.clock = options.now ?? 0;
    for (const partition of options.partitions ?? [0]) this.task(partition);
  }

  now(): number {
    return this.clock;
  }

  /** Processes one record as a batch of one; resolves to what it forwarded, or [] if dead-lettered. */
  pipe<V>(input: PipedRecord<V>): Promise<OutputRecord[]> {
    return this.pipeBatch([input]);
  }

  /**
   * Processes records of one partition as one batch, as the runtime does: the processor's batch
   * hooks around them, a poison record dead-lettered, any other failure rolling the whole batch
   * back and rejecting. Resolves to what the batch forwarded.
   */
  async pipeBatch<V>(inputs: PipedRecord<V>[]): Promise<OutputRecord[]> {
    await this.init();
    const records = inputs.map((input) => this.complete(input));
    const partition = records[0]?.partition ?? 0;
    if (records.some((r) => r.partition !== partition)) throw new Error('a batch holds records of one partition');
    const task = this.task(partition);
    const out: OutputRecord[] = [];
    try {
      const result = await runBatch(task, records);
      out.push(...result.outputs);
      for (const { record, error } of result.failed) {
        const code = errorCode(error);
        this.deadLetters.push({ record, code, error });
        const processor = this.processor;
        if (processor.deadLettered) {
          const failure = { topic: record.topic, partition, offset: record.offset, key: record.key, record, code, message: errorMessage(error) };
          // As the runtime: a failing hook costs the outcome, never the batch.
          out.push(...(await task.runWith((ctx) => processor.deadLettered!(failure, ctx), record.headers).catch(() => [])));
        }
      }
    } catch (error) {
      task.abort();
      throw error;
    }
    const committed = this.commit(task, out);
    this.processor.batchCommitted?.({ partition });
    return committed;
  }

  /**
   * Pipes records one after another, each its own batch; resolves to everything they forwarded.
   * With `retries`, a batch that fails retriably is redone up to that many times, as the runtime
   * redoes an aborted batch.
   */
  async pipeAll<V>(inputs: PipedRecord<V>[], { retries = 0 } = {}): Promise<OutputRecord[]> {
    const out: OutputRecord[] = [];
    for (const input of inputs) {
      for (let attempt = 0; ; attempt++) {
        try {
          out.push(...(await this.pipe(input)));
          break;
        } catch (err) {
          if (attempt >= retries) throw err;
        }
      }
    }
    return out;
  }

  /**
   * Moves the clock forward and fires each due punctuator once per assigned partition, like the
   * runtime's timers: a punctuator that missed several intervals fires once, not once per
   * interval. Resolves to what the punctuations forwarded.
   */
  async advanceTime(ms: number): Promise<OutputRecord[]> {
    await this.init();
    this.clock += ms;
    const out: OutputRecord[] = [];
    for (const schedule of this.schedules) {
      if (schedule.next > this.clock) continue;
      const missed = Math.floor((this.clock - schedule.next) / schedule.intervalMs);
      schedule.next += (missed + 1) * schedule.intervalMs;
      for (const task of [...this.tasks.values()].sort((a, b) => a.partition - b.partition)) {
        out.push(...this.commit(task, await task.punctuate(schedule.fn)));
      }
    }
    return out;
  }

  /** Committed outputs so far, of one topic or of all. */
  outputs(topic?: EventTopic): OutputRecord[] {
    return topic ? this.produced.filter((r) => r.topic === topic) : [...this.produced];
  }

  /** A partition's store, for assertions (writes through it are not logged or validated). */
  store<V>(name: string, partition = 0): KeyValueStore<V> {
    return this.task(partition).store<V>(name);
  }

  async close(): Promise<void> {
    await this.processor.close?.();
  }

  private init(): Promise<void> {
    this.initialized ??= Promise.resolve(
      this.processor.init?.({
        schedule: (intervalMs, fn) => {
          if (!(intervalMs > 0)) throw new RangeError(`punctuation interval must be positive, got ${intervalMs}`);
          this.schedules.push({ intervalMs, fn, next: this.clock + intervalMs });
        },
      }),
    );
    return this.initialized;
  }

  private task(partition: number): PartitionTask {
    let task = this.tasks.get(partition);
    if (!task) {
      task = new PartitionTask({ processor: this.processor, partition, now: () => this.clock, seal: (r) => this.validate(r) });
      this.tasks.set(partition, task);
    }
    return task;
  }

  private commit(task: PartitionTask, outputs: OutputRecord[]): OutputRecord[] {
    task.commit();
    this.produced.push(...outputs);
    return outputs;
  }

  private validate(record: OutputRecord): OutputRecord {
    if (this.options.validate === false) return record;
    const errors: string[] = [];
    if (!typeOf(record.topic).isValid(record.value, { errorHook: (path) => errors.push(path.join('.') || '(root)') })) {
      throw new SerdeError('INVALID_EVENT', `event for ${record.topic} does not match its schema at: ${errors.join(', ')}`);
    }
    return record;
  }

  private complete<V>(input: PipedRecord<V>): InputRecord<V> {
    const topic = input.topic ?? this.processor.inputs[0];
    if (!topic) throw new Error(`processor ${this.processor.name} has no inputs`);
    const partition = input.partition ?? 0;
    const position = `${topic}/${partition}`;
    const offset = input.offset ?? String(this.offsets.get(position) ?? 0);
    this.offsets.set(position, Number(offset) + 1);
    return { key: '', headers: {}, timestamp: this.clock, ...input, topic, partition, offset };
  }
}
