// Overview: is the system healthy right now? The golden signals of each service, the SLOs an
// operator promises (write → answer, write → other device, reminder lateness), and what fires.
import { orZero, quantile, rate, SEL, type DashboardSpec } from './lib.js';

export const overview: DashboardSpec = {
  uid: 'todo-overview',
  title: 'todo-stream / Overview',
  description: 'Golden signals of every service, SLOs and firing alerts. Start here.',
  tags: ['overview'],
  sections: [
    {
      row: 'Now',
      panels: [
        {
          title: 'Alerts firing',
          description: 'Prometheus alerts in state firing (grafana/alerts/todo-stream.rules.yml). Not 0: open the runbook of the alert in grafana/README.md.',
          unit: 'short',
          kind: 'stat',
          width: 6,
          red: 1,
          // 0, not "no data", while nothing fires: the baseline proves the rules are loaded.
          queries: [{ expr: 'count(ALERTS{alertstate="firing"}) or (count(prometheus_rule_group_rules) * 0)', legend: 'firing' }],
        },
        {
          title: 'Targets up',
          description: 'Share of scrape targets answering. Below 100 %: a service or its metrics port is down (Prometheus → Status → Targets names it).',
          unit: 'percentunit',
          kind: 'stat',
          width: 6,
          queries: [{ expr: `avg(up{${SEL}})`, legend: 'up' }],
        },
        {
          title: 'Processors ready',
          description: 'Stream processors whose /readyz answers ready (streams_ready). Fewer than running: one is restoring, stalled or lost its broker.',
          unit: 'short',
          kind: 'stat',
          width: 6,
          queries: [{ expr: `sum(streams_ready{${SEL}})`, legend: 'ready' }],
        },
        {
          title: 'Sockets connected',
          description: 'Devices connected to the bridge. A sharp drop while the bridge is up means clients cannot reconnect (auth, network).',
          unit: 'short',
          kind: 'stat',
          width: 6,
          queries: [{ expr: `sum(bridge_connected_sockets{${SEL}})`, legend: 'sockets' }],
        },
      ],
    },
    {
      row: 'Golden signals',
      panels: [
        {
          title: 'Gateway requests by status',
          description: 'Traffic of the HTTP API. 4xx are client mistakes (validation, auth); 5xx are ours.',
          unit: 'reqps',
          queries: [{ expr: rate('gateway_http_requests_total', 'status'), legend: '{{status}}' }],
        },
        {
          title: 'Gateway 5xx ratio',
          description: 'Share of requests answered with a server error. Over 5 % for 5 min fires GatewayErrorRatioHigh.',
          unit: 'percentunit',
          red: 0.05,
          queries: [
            {
              expr: `${orZero(rate('gateway_http_requests_total', 'job', `${SEL}, status=~"5.."`), rate('gateway_http_requests_total', 'job'))} / ${rate('gateway_http_requests_total', 'job')}`,
              legend: '{{job}}',
            },
          ],
        },
        {
          title: 'Gateway errors by route',
          description: 'Requests answered 4xx or 5xx, per route and status. A 4xx surge on one route after a client release: the client sends what the API refuses; any 5xx is ours.',
          unit: 'reqps',
          queries: [{ expr: rate('gateway_http_requests_total', 'route, status', `${SEL}, status=~"[45].."`), legend: '{{route}} {{status}}' }],
        },
        {
          title: 'Gateway latency p99 by route',
          description: 'Slowest 1 % of requests per route. Writes wait for the view (read-your-writes), so they sit above reads.',
          unit: 's',
          queries: [{ expr: quantile(0.99, 'gateway_http_request_duration_seconds', 'route'), legend: '{{route}}' }],
        },
        {
          title: 'Stream processing rate',
          description: 'Input records committed per second by each processor. Flat at 0 while lag grows: the processor is stuck.',
          unit: 'rps',
          queries: [{ expr: rate('streams_records_processed_total', 'processor'), legend: '{{processor}}' }],
        },
        {
          title: 'Aborted transaction ratio',
          description: 'Share of stream transactions that aborted. Sustained aborts mean a batch is being retried over and over.',
          unit: 'percentunit',
          red: 0.1,
          queries: [
            {
              expr: `${orZero(rate('streams_transactions_total', 'processor', `${SEL}, outcome="aborted"`), rate('streams_transactions_total', 'processor'))} / ${rate('streams_transactions_total', 'processor')}`,
              legend: '{{processor}}',
            },
          ],
        },
        {
          title: 'Consumer lag by processor',
          description: 'Records waiting per processor, from committed offsets (kafka_consumergroup_lag). Growing for minutes fires ConsumerLagGrowing.',
          unit: 'short',
          // Every instance of a processor reports every partition of its group: max, then sum.
          queries: [{ expr: `sum by (processor) (max by (processor, topic, partition) (kafka_consumergroup_lag{${SEL}}))`, legend: '{{processor}}' }],
        },
      ],
    },
    {
      row: 'SLOs',
      panels: [
        {
          title: 'Write → materialized answer (p50, p99)',
          description: 'From producing a write event to the task view answering it (what a read-your-writes write waits). SLO: p99 under 1 s.',
          unit: 's',
          red: 1,
          queries: [
            { expr: quantile(0.5, 'gateway_write_to_view_seconds', ''), legend: 'p50' },
            { expr: quantile(0.99, 'gateway_write_to_view_seconds', ''), legend: 'p99' },
          ],
        },
        {
          title: 'Write → other device (p50, p99)',
          description: 'From a task event occurring to its push to a socket by the bridge. SLO: p99 under 1 s.',
          unit: 's',
          red: 1,
          queries: [
            { expr: quantile(0.5, 'bridge_push_latency_seconds', '', `${SEL}, kind="task"`), legend: 'p50' },
            { expr: quantile(0.99, 'bridge_push_latency_seconds', '', `${SEL}, kind="task"`), legend: 'p99' },
          ],
        },
        {
          title: 'Reminder lateness (p50, p99)',
          description: 'From a reminder instant to the scheduler firing it. SLO: p99 under 1 s (ReminderLatenessHigh).',
          unit: 's',
          red: 1,
          queries: [
            { expr: quantile(0.5, 'scheduler_reminder_lateness_seconds', ''), legend: 'p50' },
            { expr: quantile(0.99, 'scheduler_reminder_lateness_seconds', ''), legend: 'p99' },
          ],
        },
      ],
    },
  ],
};
