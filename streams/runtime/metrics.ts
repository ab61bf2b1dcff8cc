// What an operator watches: how far behind each partition is, how long processing takes, how
// transactions end, what was dead-lettered, how long restores take. Label `processor` lets one
// registry hold several processors.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class StreamsMetrics {
  readonly lag: Gauge<'processor' | 'topic' | 'partition'>;
  readonly processLatency: Histogram<'processor' | 'topic'>;
  readonly transactionLatency: Histogram<'processor' | 'kind'>;
  readonly transactions: Counter<'processor' | 'outcome'>;
  readonly records: Counter<'processor' | 'topic'>;
  readonly consumerReplacements: Counter<'processor'>;
  readonly deadLetters: Counter<'processor' | 'topic' | 'code'>;
  readonly restoredRecords: Counter<'processor'>;
  readonly restoreSeconds: Histogram<'processor'>;
  readonly ready: Gauge<'processor'>;
  readonly retryStalled: Gauge<'processor' | 'topic' | 'partition'>;
  readonly transientFailures: Counter<'processor' | 'code'>;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.lag = getOrCreate(registry, 'streams_consumer_lag', () => new Gauge({
      name: 'streams_consumer_lag',
      help: 'Records between the high watermark and the committed position, per input partition',
      labelNames: ['processor', 'topic', 'partition'],
      registers,
    }));
    this.processLatency = getOrCreate(registry, 'streams_process_seconds', () => new Histogram({
      name: 'streams_process_seconds',
      help: 'Time in process() (with decoding and encoding) per record',
      labelNames: ['processor', 'topic'],
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }));
    this.transactionLatency = getOrCreate(registry, 'streams_transaction_seconds', () => new Histogram({
      name: 'streams_transaction_seconds',
      help: 'Time from begin to commit of a transaction (kind: batch or punctuation)',
      labelNames: ['processor', 'kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }));
    this.transactions = getOrCreate(registry, 'streams_transactions_total', () => new Counter({
      name: 'streams_transactions_total',
      help: 'Transactions by outcome (committed or aborted)',
      labelNames: ['processor', 'outcome'],
      registers,
    }));
    this.records = getOrCreate(registry, 'streams_records_processed_total', () => new Counter({
      name: 'streams_records_processed_total',
      help: 'Input records whose transaction committed (dead-lettered ones included)',
      labelNames: ['processor', 'topic'],
      registers,
    }));
    this.deadLetters = getOrCreate(registry, 'streams_dead_letters_total', () => new Counter({
      name: 'streams_dead_letters_total',
      help: 'Records sent to a dead-letter topic, by source topic and error code',
      labelNames: ['processor', 'topic', 'code'],
      registers,
    }));
    this.consumerReplacements = getOrCreate(registry, 'streams_consumer_replacements_total', () => new Counter({
      name: 'streams_consumer_replacements_total',
      help: 'Consumers replaced after a librdkafka fatal error (a static member fenced, say)',
      labelNames: ['processor'],
      registers,
    }));
    this.restoredRecords = getOrCreate(registry, 'streams_restored_records_total', () => new Counter({
      name: 'streams_restored_records_total',
      help: 'Changelog records read into state stores',
      labelNames: ['processor'],
      registers,
    }));
    this.restoreSeconds = getOrCreate(registry, 'streams_restore_seconds', () => new Histogram({
      name: 'streams_restore_seconds',
      help: 'Time to restore the state stores of newly assigned partitions',
      labelNames: ['processor'],
      buckets: [0.01, 0.1, 0.5, 1, 5, 10, 30, 60],
      registers,
    }));
    this.ready = getOrCreate(registry, 'streams_ready', () => new Gauge({
      name: 'streams_ready',
      help: '1 while the processor runs and no partition has been retrying past the stall budget (as /readyz), else 0',
      labelNames: ['processor'],
      registers,
    }));
    this.retryStalled = getOrCreate(registry, 'streams_retry_stalled_seconds', () => new Gauge({
      name: 'streams_retry_stalled_seconds',
      help: 'How long a partition has been retrying the same work after transient failures (0 when it goes through)',
      labelNames: ['processor', 'topic', 'partition'],
      registers,
    }));
    this.transientFailures = getOrCreate(registry, 'streams_transient_failures_total', () => new Counter({
      name: 'streams_transient_failures_total',
      help: 'Attempts that failed transiently and will be retried, by error code',
      labelNames: ['processor', 'code'],
      registers,
    }));
  }
}

/** Two apps (or two restarts in one test process) may share a registry: reuse its metrics. */
function getOrCreate<M>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

// The probe server (/metrics, /readyz, /healthz) is shared with the other processes: platform/metrics-server.ts.
export { metricsHandler, serveMetrics, type Readiness } from '../../platform/metrics-server.js';
