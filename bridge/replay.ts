// Reads what a reconnecting client missed from the log: its user's partition from the offset
// after its cursor up to the partition's end when it asked. Requests that arrive while a read
// runs are served together by the next one (one pass per partition from the oldest cursor), so
// a restart that brings every client back at once costs a few reads, not one per client.
import type { RdKafka } from '@confluentinc/kafka-javascript';
import type { PartitionRange, PartitionRangeReader } from '../streams/runtime/range-reader.js';
import type { Positioned } from './sessions.js';

export type ReplayResult<T> =
  | { kind: 'replayed'; changes: Positioned<T>[]; upTo: number }
  | { kind: 'resync'; reason: 'CURSOR_EXPIRED' | 'CURSOR_AHEAD' | 'TOO_FAR_BEHIND'; upTo: number };

interface Request {
  userId: string;
  partition: number;
  from: number;
  end: number;
  found: RdKafka.Message[];
  resolve: (messages: RdKafka.Message[]) => void;
  reject: (err: unknown) => void;
}

export interface ReplayerOptions<T> {
  reader: PartitionRangeReader;
  topic: string;
  /** The payload of a record, or null when it is not for devices. */
  decode: (message: RdKafka.Message) => Promise<T | null>;
  /** A cursor further behind its partition's end than this gets resync instead of a replay. */
  maxBehind: number;
}

export class Replayer<T> {
  private pending: Request[] = [];
  private draining: Promise<void> | null = null;

  constructor(private readonly options: ReplayerOptions<T>) {}

  /**
   * What `userId` missed after `cursorOffset` (null: a new client, which loads its state over
   * HTTP, so nothing to replay). `upTo` is the partition's last offset when the replay began:
   * the client has everything up to there once the replayed changes are sent.
   */
  async replay(userId: string, partition: number, cursorOffset: number | null): Promise<ReplayResult<T>> {
    const { topic, reader, maxBehind } = this.options;
    const { low, high } = await reader.watermarks(topic, partition);
    const upTo = high - 1;
    if (cursorOffset === null) return { kind: 'replayed', changes: [], upTo };
    if (cursorOffset > upTo) return { kind: 'resync', reason: 'CURSOR_AHEAD', upTo };
    if (cursorOffset + 1 < low) return { kind: 'resync', reason: 'CURSOR_EXPIRED', upTo };
    if (upTo - cursorOffset > maxBehind) return { kind: 'resync', reason: 'TOO_FAR_BEHIND', upTo };
    if (cursorOffset === upTo) return { kind: 'replayed', changes: [], upTo };
    const messages = await new Promise<RdKafka.Message[]>((resolve, reject) => {
      this.pending.push({ userId, partition, from: cursorOffset + 1, end: high, found: [], resolve, reject });
      this.draining ??= this.drain();
    });
    const changes: Positioned<T>[] = [];
    for (const message of messages) {
      const payload = await this.options.decode(message);
      if (payload !== null) changes.push({ offset: message.offset, payload });
    }
    return { kind: 'replayed', changes, upTo };
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      const ranges = new Map<number, PartitionRange>();
      for (const { partition, from, end } of batch) {
        const range = ranges.get(partition);
        ranges.set(partition, {
          topic: this.options.topic,
          partition,
          from: Math.min(from, range?.from === undefined || range.from === 'beginning' ? from : range.from),
          end: Math.max(end, range?.end ?? end),
        });
      }
      const byUser = new Map<string, Request[]>();
      for (const request of batch) {
        const key = `${request.partition}/${request.userId}`;
        byUser.set(key, [...(byUser.get(key) ?? []), request]);
      }
      try {
        await this.options.reader.read([...ranges.values()], (message) => {
          for (const request of byUser.get(`${message.partition}/${message.key?.toString() ?? ''}`) ?? []) {
            if (message.offset >= request.from && message.offset < request.end) request.found.push(message);
          }
        });
        for (const request of batch) request.resolve(request.found);
      } catch (err) {
        for (const request of batch) request.reject(err);
      }
    }
    this.draining = null;
  }
}
