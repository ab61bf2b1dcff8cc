// Infrastructure: the broker and the Connect worker (through the Prometheus JMX exporter agent,
// stack/config/jmx/), FerretDB in front of PostgreSQL, and the Node runtime of every service.
import { rate, SEL, type DashboardSpec } from './lib.js';

export const infrastructure: DashboardSpec = {
  uid: 'todo-infrastructure',
  title: 'todo-stream / Infrastructure',
  description: 'Kafka brokers, Kafka Connect, FerretDB/PostgreSQL and the Node.js runtime of the services.',
  tags: ['infrastructure', 'kafka', 'connect', 'node'],
  sections: [
    {
      row: 'Kafka brokers',
      panels: [
        {
          title: 'Under-replicated partitions',
          description: 'Partitions with fewer in-sync replicas than replicas. Not 0: a broker is down or cannot keep up (BrokerUnderReplicatedPartitions).',
          unit: 'short',
          kind: 'stat',
          width: 6,
          red: 1,
          queries: [{ expr: `sum(kafka_server_replicamanager_underreplicatedpartitions{${SEL}})`, legend: 'under-replicated' }],
        },
        {
          title: 'Active controller',
          description: 'Brokers that are the active KRaft controller: exactly 1 across the cluster; 0 means no controller (no leader elections, no topic changes).',
          unit: 'short',
          kind: 'stat',
          width: 6,
          queries: [{ expr: `sum(kafka_controller_kafkacontroller_activecontrollercount{${SEL}})`, legend: 'active' }],
        },
        {
          title: 'ISR shrinks',
          description: 'In-sync replica sets shrinking per second. Frequent shrinks: slow followers, network trouble or GC pauses.',
          unit: 'ops',
          width: 12,
          queries: [{ expr: rate('kafka_server_replicamanager_isrshrinks_total', 'instance'), legend: '{{instance}}' }],
        },
        {
          title: 'Request latency p99 (Produce, Fetch)',
          description: 'Total time of produce and consumer-fetch requests at the broker, 99th percentile (its own histogram).',
          unit: 'ms',
          width: 12,
          queries: [
            {
              expr: `max by (request) (kafka_network_requestmetrics_totaltimems{${SEL}, request=~"Produce|FetchConsumer", quantile="0.99"})`,
              legend: '{{request}}',
            },
          ],
        },
        {
          title: 'Messages in per topic',
          description: 'Records appended per second per topic, at the broker.',
          unit: 'rps',
          width: 12,
          queries: [{ expr: `topk(10, ${rate('kafka_server_brokertopicmetrics_messagesin_total', 'topic', `${SEL}, topic!=""`)})`, legend: '{{topic}}' }],
        },
      ],
    },
    {
      row: 'Kafka Connect',
      panels: [
        {
          title: 'Connector task state',
          description: 'Tasks per state (running, paused, failed...). Any failed fires ConnectTaskFailed: read its trace with GET /connectors/<name>/status.',
          unit: 'short',
          queries: [{ expr: `sum by (connector, status) (kafka_connect_connector_task_status{${SEL}})`, legend: '{{connector}} {{status}}' }],
        },
        {
          title: 'Sink records sent',
          description: 'Records the sink tasks wrote (the audit collection) per second.',
          unit: 'rps',
          queries: [{ expr: rate('kafka_connect_sink_task_sink_record_send_total', 'connector'), legend: '{{connector}}' }],
        },
        {
          title: 'Connect record errors',
          description: 'Records that failed in a converter, transform or the sink (total-record-errors); with errors.tolerance=all they go to the connector\'s DLQ.',
          unit: 'short',
          queries: [{ expr: `sum by (connector) (kafka_connect_task_error_total_record_errors{${SEL}})`, legend: '{{connector}}' }],
        },
      ],
    },
    {
      row: 'FerretDB / PostgreSQL',
      panels: [
        {
          title: 'FerretDB commands',
          description: 'MongoDB commands FerretDB served per second, by command.',
          unit: 'ops',
          queries: [{ expr: `topk(8, ${rate('ferretdb_client_requests_total', 'command')})`, legend: '{{command}}' }],
        },
        {
          title: 'FerretDB responses by result',
          description: 'Responses per second by result: ok, or the MongoDB error name (NamespaceExists on an idempotent create is normal; a rising error other than that is not).',
          unit: 'ops',
          queries: [{ expr: rate('ferretdb_client_responses_total', 'result'), legend: '{{result}}' }],
        },
        {
          title: 'PostgreSQL pool size',
          description: 'Connections FerretDB holds to PostgreSQL. There is no PostgreSQL exporter in the local stack: this is PostgreSQL seen from FerretDB.',
          unit: 'short',
          queries: [{ expr: `sum(ferretdb_postgresql_pool_size{${SEL}})`, legend: 'connections' }],
        },
      ],
    },
    {
      row: 'Node.js runtime',
      panels: [
        {
          title: 'Event loop lag p99',
          description: 'How late timers and I/O callbacks run. Over 100 ms: CPU-bound work blocks the loop (latency everywhere rises).',
          unit: 's',
          queries: [{ expr: `max by (job, instance) (nodejs_eventloop_lag_p99_seconds{${SEL}})`, legend: '{{job}} {{instance}}' }],
        },
        {
          title: 'Heap used',
          description: 'V8 heap in use. Steady growth without drops: a leak.',
          unit: 'bytes',
          queries: [{ expr: `sum by (job, instance) (nodejs_heap_size_used_bytes{${SEL}})`, legend: '{{job}} {{instance}}' }],
        },
        {
          title: 'GC time',
          description: 'Share of time spent in garbage collection, by kind.',
          unit: 'percentunit',
          queries: [{ expr: rate('nodejs_gc_duration_seconds_sum', 'job, kind'), legend: '{{job}} {{kind}}' }],
        },
        {
          title: 'CPU',
          description: 'CPU seconds per second per process (1 = one core).',
          unit: 'short',
          queries: [{ expr: rate('process_cpu_seconds_total', 'job, instance', `${SEL}, job!~"kafka|connect"`), legend: '{{job}} {{instance}}' }],
        },
        {
          title: 'Resident memory',
          description: 'Resident set size per process.',
          unit: 'bytes',
          queries: [{ expr: `sum by (job, instance) (process_resident_memory_bytes{${SEL}, job!~"kafka|connect|ferretdb|prometheus|registry"})`, legend: '{{job}} {{instance}}' }],
        },
      ],
    },
  ],
};
