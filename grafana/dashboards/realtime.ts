// Real time: the bridge's sockets, what it pushes and how quickly, and how reconnects resume.
import { quantile, rate, SEL, type DashboardSpec } from './lib.js';

export const realtime: DashboardSpec = {
  uid: 'todo-realtime',
  title: 'todo-stream / Real time',
  description: 'Socket.IO bridge: sockets, pushes by kind, replay outcomes, push latency.',
  tags: ['realtime', 'bridge'],
  sections: [
    {
      row: 'Sockets',
      panels: [
        {
          title: 'Sockets connected',
          description: 'Authenticated sockets per bridge. A sharp drop (over half in 5 min) fires SocketsDroppingSharply.',
          unit: 'short',
          width: 12,
          queries: [{ expr: `sum by (instance) (bridge_connected_sockets{${SEL}})`, legend: '{{instance}}' }],
        },
        {
          title: 'Handshakes refused',
          description: 'Sockets refused for want of a valid token. A burst after a deploy: the JWT secret differs between gateway and bridge.',
          unit: 'ops',
          width: 12,
          queries: [{ expr: rate('bridge_refused_handshakes_total', 'instance'), legend: '{{instance}}' }],
        },
      ],
    },
    {
      row: 'Pushes',
      panels: [
        {
          title: 'Pushes by kind and path',
          description: 'Events emitted to sockets: tasks and notifications, live or replayed on reconnect.',
          unit: 'ops',
          queries: [{ expr: rate('bridge_events_pushed_total', 'kind, via'), legend: '{{kind}} ({{via}})' }],
        },
        {
          title: 'Replays by outcome',
          description: 'Handshakes: fresh (no cursor), replayed (resumed from the cursor), resync_* (the cursor was too old or unknown: the client reloads).',
          unit: 'short',
          queries: [{ expr: `sum by (outcome) (increase(bridge_replays_total{${SEL}}[$__range]))`, legend: '{{outcome}}' }],
        },
        {
          title: 'Push latency p50 / p99 by kind',
          description: 'Task: event occurred → emitted. Notification: delivery time → emitted (the reminder reaching the device).',
          unit: 's',
          red: 1,
          queries: [
            { expr: quantile(0.5, 'bridge_push_latency_seconds', 'kind'), legend: 'p50 {{kind}}' },
            { expr: quantile(0.99, 'bridge_push_latency_seconds', 'kind'), legend: 'p99 {{kind}}' },
          ],
        },
      ],
    },
  ],
};
