// Reads what a reconnecting client missed from the log: its user's partition from the offset
// after its cursor up to the partition's end when it asked. Requests that arrive while a read
// runs are served together by the next one (one pass per partition from the oldest cursor), so
// a restart that brings every client back at once costs a few reads, not one per client.
import type { RdKafka } from '@confluentinc/kafka-javascript';
import type { PartitionRange, PartitionRangeReader } from '../platform/range-reader.js';
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

/** For the rare cursor ahead of our feed: a burst of such handshakes shares one answer this fresh. */
const WATERMARK_TTL_MS = 250;

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
  private readonly watermarks = new Map<number, { at: number; offsets: Promise<{ low: number; high: number }> }>();

  constructor(private readonly options: ReplayerOptions<T>) {}

  /**
   * What `userId` missed after `cursorOffset`, up to `upTo` (inclusive): the live feed's position
   * when the session began listening, after which the feed delivers. A null cursor is a new
   * client, which loads its state over HTTP: nothing to replay.
   */
  async replay(userId: string, partition: number, cursorOffset: number | null, upTo: number): Promise<ReplayResult<T>> {
    const { maxBehind } = this.options;
    if (cursorOffset === null || cursorOffset >= upTo) {
      if (cursorOffset !== null && cursorOffset > upTo) {
        // Legitimate when another instance's feed is ahead of ours; not when the log never got there.
        const { high } = await this.partitionWatermarks(partition);
        if (cursorOffset >= high) return { kind: 'resync', reason: 'CURSOR_AHEAD', upTo };
      }
      return { kind: 'replayed', changes: [], upTo: Math.max(upTo, cursorOffset ?? -1) };
    }
    // Fresh, not cached: a stale log start would replay from a deleted range (the reader then
    // fails on the out-of-range offset instead of skipping silently, and the client retries).
    const { low } = await this.options.reader.watermarks(this.options.topic, partition);
    if (cursorOffset + 1 < low) return { kind: 'resync', reason: 'CURSOR_EXPIRED', upTo };
    if (upTo - cursorOffset > maxBehind) return { kind: 'resync', reason: 'TOO_FAR_BEHIND', upTo };
    const end = upTo + 1;
    const messages = await new Promise<RdKafka.Message[]>((resolve, reject) => {
      this.pending.push({ userId, partition, from: cursorOffset + 1, end, found: [], resolve, reject });
      this.draining ??= this.drain();
    });
    const changes: Positioned<T>[] = [];
    for (const message of messages) {
      const payload = await this.options.decode(message);
      if (payload !== null) changes.push({ offset: message.offset, payload });
    }
    return { kind: 'replayed', changes, upTo };
  }

  private partitionWatermarks(partition: number): Promise<{ low: number; high: number }> {
    const cached = this.watermarks.get(partition);
    if (cached && Date.now() - cached.at < WATERMARK_TTL_MS) return cached.offsets;
    const offsets = this.options.reader.watermarks(this.options.topic, partition);
    this.watermarks.set(partition, { at: Date.now(), offsets });
    offsets.catch(() => this.watermarks.delete(partition));
    return offsets;
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
