// "Ask again while the broker says Unknown topic or partition." A topic created a moment ago
// (CreateTopics commits on the controller; by the schema Job racing the processors' start in a
// deploy; on a broker that just restarted) can be unknown for a while to the broker that answers
// the next metadata request. Whoever needs it (the runtime's inputs at start-up, the schema CLI
// after creating topics) waits for it here, backed off and bounded, instead of failing at once.
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { abortableSleep } from './sleep.js';

export interface UntilKnownOptions {
  /** How long to keep asking; past it the broker's last answer is thrown. */
  timeoutMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Told before each wait (a log line naming the topics). */
  onRetry?: (attempt: number, delayMs: number) => void;
  /** Cuts the waiting short (shutdown); the broker's last answer is thrown. */
  signal?: AbortSignal | undefined;
}

export const isUnknownTopic = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === KafkaJS.ErrorCodes.ERR_UNKNOWN_TOPIC_OR_PART;

type TopicMetadata = Awaited<ReturnType<KafkaJS.Admin['fetchTopicMetadata']>>;

/** The topics' metadata, asked again while the broker does not know one of them yet. */
export async function metadataOnceKnown(admin: KafkaJS.Admin, topics: string[], options: UntilKnownOptions): Promise<TopicMetadata> {
  const { timeoutMs, initialDelayMs = 50, maxDelayMs = 1000, onRetry, signal } = options;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1, delay = initialDelayMs; ; attempt++, delay = Math.min(delay * 2, maxDelayMs)) {
    try {
      return await admin.fetchTopicMetadata({ topics });
    } catch (err) {
      if (!isUnknownTopic(err) || Date.now() + delay > deadline || signal?.aborted) throw err;
      onRetry?.(attempt, delay);
      await abortableSleep(delay, signal);
    }
  }
}
