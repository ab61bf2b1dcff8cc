// Pipeline: where events are on their way from the gateway through Kafka and the processors
// into the views; what is stuck, retried or dead-lettered.
import { grewInRange, orZero, quantile, rate, SEL, type DashboardSpec } from './lib.js';

export const pipeline: DashboardSpec = {
  uid: 'todo-pipeline',
  title: 'todo-stream / Pipeline',
  description: 'Lag per processor and partition, records in and out, transactions, dead letters, latencies and the gateway outbox.',
  tags: ['pipeline', 'kafka'],
  sections: [
    {
      row: 'Lag',
      panels: [
        {
          title: 'Consumer lag per processor and partition',
          description: 'Last stable offset minus committed offset (kafka_consumergroup_lag). A partition that keeps growing is stuck on a batch: see "Retry stalled" and the processor log.',
          unit: 'short',
          width: 12,
          // Every instance of a processor reports every partition of its group (a stall shows even when
          // the partition's owner is gone): max over the reporters.
          queries: [{ expr: `max by (processor, topic, partition) (kafka_consumergroup_lag{${SEL}})`, legend: '{{processor}} {{topic}}[{{partition}}]' }],
        },
        {
          title: 'Retry stalled',
          description: 'How long a partition has been retrying one batch (streams_retry_stalled_seconds; 0 when healthy). Minutes: a dependency is down or a record is poison without being classified as such.',
          unit: 's',
          width: 12,
          red: 60,
          queries: [{ expr: `max by (processor, partition) (streams_retry_stalled_seconds{${SEL}})`, legend: '{{processor}}[{{partition}}]' }],
        },
      ],
    },
    {
      row: 'Throughput',
      panels: [
        {
          title: 'Events produced by the gateway per topic',
          description: 'Events acked by the broker, direct or relayed from the outbox: the pipeline input.',
          unit: 'rps',
          queries: [{ expr: rate('gateway_events_produced_total', 'topic, via'), legend: '{{topic}} ({{via}})' }],
        },
        {
          title: 'Records in per processor and topic',
          description: 'Input records committed per second (dead-lettered ones included).',
          unit: 'rps',
          queries: [{ expr: rate('streams_records_processed_total', 'processor, topic'), legend: '{{processor}} ← {{topic}}' }],
        },
        {
          title: 'Records written per topic (broker)',
          description: 'Records appended per second per topic at the broker (JMX): the processors\' outputs (task-views, reminders, notifications...) as well as the gateway\'s events.',
          unit: 'rps',
          queries: [{ expr: `topk(15, sum by (topic) (rate(kafka_server_brokertopicmetrics_messagesin_total{${SEL}, topic!=""}[$__rate_interval])))`, legend: '{{topic}}' }],
        },
        {
          title: 'Task view outcomes',
          description: 'What the task view did with each event: applied, duplicate (absorbed redelivery), rejected (business rule).',
          unit: 'rps',
          queries: [{ expr: rate('task_view_events_total', 'outcome'), legend: '{{outcome}}' }],
        },
      ],
    },
    {
      row: 'Transactions and failures',
      panels: [
        {
          title: 'Transactions by outcome',
          description: 'Committed and aborted transactions per processor. Aborts without commits: a batch retried forever.',
          unit: 'ops',
          queries: [{ expr: rate('streams_transactions_total', 'processor, outcome'), legend: '{{processor}} {{outcome}}' }],
        },
        {
          title: 'Dead letters by topic and reason',
          description: 'Records sent to dlq.<topic>, by error code. Any: inspect them (DLQ runbook in grafana/README.md) and replay once fixed.',
          unit: 'short',
          red: 1,
          queries: [
            {
              expr: orZero(grewInRange('streams_dead_letters_total', 'topic, code'), `sum by (topic) (streams_records_processed_total{${SEL}})`),
              legend: '{{topic}} {{code}}',
            },
          ],
        },
        {
          title: 'Transient failures by code',
          description: 'Retried failures (broker, database timeouts) per processor and code (streams_transient_failures_total). Bursts are fine; a steady rate means a sick dependency.',
          unit: 'ops',
          queries: [{ expr: orZero(rate('streams_transient_failures_total', 'processor, code'), `sum by (processor) (streams_ready{${SEL}})`), legend: '{{processor}} {{code}}' }],
        },
      ],
    },
    {
      row: 'Latency',
      panels: [
        {
          title: 'Processing time p99 per record',
          description: 'Time in process() per record, decoding included. Rising: the processor or its database is slow.',
          unit: 's',
          queries: [{ expr: quantile(0.99, 'streams_process_seconds', 'processor'), legend: '{{processor}}' }],
        },
        {
          title: 'Transaction time p99',
          description: 'Begin to commit of a batch or punctuation transaction.',
          unit: 's',
          queries: [{ expr: quantile(0.99, 'streams_transaction_seconds', 'processor, kind'), legend: '{{processor}} {{kind}}' }],
        },
        {
          title: 'End to end: write → view answer, write → device (p99)',
          description: 'Write event produced to the view outcome (gateway) and event occurred to socket push (bridge).',
          unit: 's',
          red: 1,
          queries: [
            { expr: quantile(0.99, 'gateway_write_to_view_seconds', ''), legend: 'write → view answer' },
            { expr: quantile(0.99, 'bridge_push_latency_seconds', '', `${SEL}, kind="task"`), legend: 'write → device' },
          ],
        },
      ],
    },
    {
      row: 'Outbox',
      panels: [
        {
          title: 'Outbox depth',
          description: 'Events accepted while the broker was unreachable, waiting to be relayed. Not 0 for long: the broker is down for the gateway.',
          unit: 'short',
          width: 12,
          queries: [{ expr: `sum by (instance) (gateway_outbox_depth{${SEL}})`, legend: '{{instance}}' }],
        },
        {
          title: 'Outbox oldest age',
          description: 'Age of the oldest queued event: how stale the backlog is. Over 60 s fires OutboxBackingUp.',
          unit: 's',
          width: 12,
          red: 60,
          queries: [{ expr: `max by (instance) (gateway_outbox_oldest_age_seconds{${SEL}})`, legend: '{{instance}}' }],
        },
      ],
    },
  ],
};
