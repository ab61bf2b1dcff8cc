// Consumer lag as the broker sees it: for every input partition, the last stable offset minus
// the group's committed offset, polled through the admin client on an interval.
//
// Why not the batch's high watermark (streams_consumer_lag)? That is only updated when a batch
// commits, so a partition stuck retrying one batch keeps showing the lag of its last success —
// task-view once showed 0 for minutes while 31 transactions aborted. The committed offset only
// moves when work is really done, so a stall shows as growing lag whatever the consumer is doing.
//
// Every instance reports every partition of its group, not only those it owns: the lag of a
// partition whose owner died must show too. Aggregate with max over instances, not sum.
//
// Named and labelled like kafka_exporter's metric (`consumergroup`, `topic`, `partition`), so
// Strimzi-style dashboards work unchanged; `processor` is added for our own panels.
//
// With exactly-once producers upstream, a partition's log ends with a commit marker that no
// consumer ever "reads": such a partition can show a lag of 1 while fully caught up (the same as
// kafka_exporter and Burrow report). Inputs written by the gateway (idempotent, not
// transactional) read 0 when caught up.
//
// The committed offsets come through the processor's own consumer, not the admin client: the admin
// client's OffsetFetch crashes the process when the group's coordinator moves (see
// platform/committed-offsets.ts).
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { committedOffsets, partitionKey } from '../../platform/committed-offsets.js';
import { within } from './deadline.js';

export const LAG_METRIC = 'kafka_consumergroup_lag';

export interface LagWatchTarget {
  processor: string;
  groupId: string;
  /** Physical input topics. */
  topics: string[];
  registry: Registry;
  logger: Pick<Logger, 'warn'>;
}

export interface LagWatch {
  /** One poll now (tests; the interval does the same). */
  poll(): Promise<void>;
  /**
   * Stops polling; resolves once the poll in flight, if any, has settled (at most `boundMs`).
   * Await it before disconnecting the consumer: a committed() call still running in the
   * binding's worker thread while the consumer is closed is a use of a freed client.
   */
  stop(boundMs?: number): Promise<void>;
}

/** Default poll interval: a few times per scrape interval of a typical Prometheus (15 s). */
export const LAG_POLL_MS = Number(process.env.STREAMS_LAG_POLL_MS ?? 5000);

export function lagGauge(registry: Registry): Gauge<'processor' | 'consumergroup' | 'topic' | 'partition'> {
  const existing = registry.getSingleMetric(LAG_METRIC) as Gauge<'processor' | 'consumergroup' | 'topic' | 'partition'> | undefined;
  return (
    existing ??
    new Gauge({
      name: LAG_METRIC,
      help: 'Records between the last stable offset and the consumer group committed offset, per partition',
      labelNames: ['processor', 'consumergroup', 'topic', 'partition'],
      registers: [registry],
    })
  );
}

/** The clients a lag watch reads through: the group's own consumer, and an admin client. */
export interface LagClients {
  admin: KafkaJS.Admin;
  /** A consumer configured with the group's id (the processor's, already connected). */
  consumer: KafkaJS.Consumer;
}

/** Starts polling at once and every `intervalMs`; stop() before disconnecting the clients. */
export function watchConsumerLag({ admin, consumer }: LagClients, target: LagWatchTarget, intervalMs = LAG_POLL_MS): LagWatch {
  const gauge = lagGauge(target.registry);
  const labels = { processor: target.processor, consumergroup: target.groupId };
  let inFlight: Promise<void> | undefined;
  let warned = false;
  let stopped = false;
  const reported = new Map<string, { topic: string; partition: string }>();

  async function measure(): Promise<void> {
    // One ListOffsets per topic: its ends name the partitions too. Read-committed: the offsets a
    // read_committed consumer can reach (open transactions excluded). Ends first, then the
    // commits: a commit in between can only make a lag read low by what it committed (never
    // below 0), and the next poll corrects it.
    const endsByTopic = await Promise.all(
      target.topics.map(async (topic) => ({ topic, ends: await admin.fetchTopicOffsets(topic, { isolationLevel: KafkaJS.IsolationLevel.READ_COMMITTED }) })),
    );
    const partitions = endsByTopic.flatMap(({ topic, ends }) => ends.map(({ partition }) => ({ topic, partition })));
    const byPartition = await committedOffsets(consumer, partitions, intervalMs);
    for (const { topic, ends } of endsByTopic) {
      for (const end of ends) {
        const high = Number(end.high);
        const offset = byPartition.get(partitionKey(topic, end.partition)) ?? -1;
        // No commit yet: everything still in the log is waiting.
        const position = offset >= 0 ? offset : Number(end.low);
        if (stopped) return;
        const series = { topic, partition: String(end.partition) };
        reported.set(`${topic}/${series.partition}`, series);
        gauge.set({ ...labels, ...series }, Math.max(0, high - position));
      }
    }
  }

  const poll = (): Promise<void> => {
    // Never two polls at once: a slow broker must not pile requests up.
    inFlight ??= measure()
      .then(() => void (warned = false))
      .catch((err: unknown) => {
        // The last values stay: a broker that does not answer is shown by its own panels.
        if (!warned && !stopped) target.logger.warn({ err }, 'consumer lag poll failed');
        warned = true;
      })
      .finally(() => (inFlight = undefined));
    return inFlight;
  };

  const timer = setInterval(() => void poll(), intervalMs);
  timer.unref();
  void poll();
  return {
    poll,
    async stop(boundMs = intervalMs + 1000) {
      stopped = true;
      clearInterval(timer);
      // Gone with the app: a stopped member's partitions are another member's to report.
      for (const series of reported.values()) gauge.remove({ ...labels, ...series });
      // Past the bound the call is abandoned (its client is left behind, see left-behind.ts).
      if (inFlight) await within(boundMs, 'lag poll in flight', inFlight).catch(() => undefined);
    },
  };
}
