// The dashboards, in the order of their files under grafana/provisioning/dashboards/json/.
import { buildDashboard, type DashboardSpec } from './lib.js';
import { infrastructure } from './infrastructure.js';
import { overview } from './overview.js';
import { pipeline } from './pipeline.js';
import { realtime } from './realtime.js';
import { time } from './time.js';

export const DASHBOARDS: { file: string; spec: DashboardSpec }[] = [
  { file: 'overview.json', spec: overview },
  { file: 'pipeline.json', spec: pipeline },
  { file: 'realtime.json', spec: realtime },
  { file: 'time.json', spec: time },
  { file: 'infrastructure.json', spec: infrastructure },
];

/** The JSON a Grafana loads: stable key order, two-space indent, final newline. */
export function renderDashboard(spec: DashboardSpec): string {
  return `${JSON.stringify(buildDashboard(spec), null, 2)}\n`;
}
