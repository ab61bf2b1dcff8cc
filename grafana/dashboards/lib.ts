// The few shapes every dashboard is built from, on top of @grafana/grafana-foundation-sdk: a
// panel is declared as data (title, what it means, unit, queries with their legends) and built
// here, so refIds, legends, units and the datasource are set the same explicit way everywhere.
// The same declarations feed the live check (grafana/__tests__/live.int.spec.ts).
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type Threshold,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel queries the dashboard's `datasource` variable. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

/** Label matchers of the service and instance variables, for selectors of a service's own metrics. */
export const SEL = 'job=~"$service", instance=~"$instance"';

export interface Query {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  /** What it shows and what to do when it turns red (also shown as the panel's tooltip). */
  description: string;
  unit: string;
  kind?: 'timeseries' | 'stat';
  queries: Query[];
  /** Grid width out of 24 (default 8). */
  width?: number;
  /** Value from which the panel turns red (stat background, time-series threshold line). */
  red?: number;
  min?: number;
}

export interface SectionSpec {
  row: string;
  panels: PanelSpec[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  sections: SectionSpec[];
}

const refId = (i: number) => String.fromCharCode(65 + i); // A, B, C...

function target(query: Query, i: number) {
  return new DataqueryBuilder().expr(query.expr).legendFormat(query.legend).refId(refId(i)).datasource(DATASOURCE).range();
}

function thresholds(red: number | undefined) {
  const steps: Threshold[] = [{ value: null, color: 'green' }];
  if (red !== undefined) steps.push({ value: red, color: 'red' });
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps);
}

function panel(spec: PanelSpec) {
  const height = spec.kind === 'stat' ? 5 : 8;
  const width = spec.width ?? 8;
  if (spec.kind === 'stat') {
    const builder = new StatPanelBuilder()
      .title(spec.title)
      .description(spec.description)
      .datasource(DATASOURCE)
      .unit(spec.unit)
      .height(height)
      .span(width)
      .colorMode(common.BigValueColorMode.Background)
      .graphMode(common.BigValueGraphMode.Area)
      .thresholds(thresholds(spec.red))
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
    spec.queries.forEach((q, i) => builder.withTarget(target(q, i)));
    return builder;
  }
  const builder = new TimeseriesPanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .height(height)
    .span(width)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true)
        .calcs(['lastNotNull', 'max']),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .thresholds(thresholds(spec.red));
  if (spec.red !== undefined) builder.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line));
  if (spec.min !== undefined) builder.min(spec.min);
  spec.queries.forEach((q, i) => builder.withTarget(target(q, i)));
  return builder;
}

function variables() {
  return [
    new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'),
    new QueryVariableBuilder('service')
      .label('Service')
      .datasource(DATASOURCE)
      .query('label_values(up, job)')
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .sort(VariableSort.AlphabeticalAsc)
      .multi(true)
      .includeAll(true)
      .allValue('.*'),
    new QueryVariableBuilder('instance')
      .label('Instance')
      .datasource(DATASOURCE)
      .query('label_values(up{job=~"$service"}, instance)')
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .sort(VariableSort.AlphabeticalAsc)
      .multi(true)
      .includeAll(true)
      .allValue('.*'),
  ];
}

export function buildDashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['todo-stream', ...spec.tags])
    .editable()
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .variables(variables());
  for (const section of spec.sections) {
    builder.withRow(new RowBuilder(section.row));
    for (const p of section.panels) builder.withPanel(panel(p));
  }
  return builder.build();
}

/** Every panel of a spec with its queries, in order: what the live check runs. */
export function panelsOf(spec: DashboardSpec): PanelSpec[] {
  return spec.sections.flatMap((s) => s.panels);
}

// ---- PromQL helpers (kept tiny: the queries should read as PromQL) ----

/** `sum by (labels) (rate(metric{sel}[$__rate_interval]))` */
export const rate = (metric: string, by: string, sel = SEL) => `sum by (${by}) (rate(${metric}{${sel}}[$__rate_interval]))`;

/** The q-quantile of a histogram, summed by `by` (le is added). */
export const quantile = (q: number, metric: string, by: string, sel = SEL) =>
  `histogram_quantile(${q}, sum by (${by ? `${by}, ` : ''}le) (rate(${metric}_bucket{${sel}}[$__rate_interval])))`;

/**
 * How much a counter grew in the dashboard's time range, per `by`, counting series that appeared
 * within it whole: a counter labelled by an error code appears with its first error, and
 * increase() (which needs an earlier sample) would show that error as 0.
 */
export const grewInRange = (metric: string, by: string, sel = SEL) =>
  `sum by (${by}) (${metric}{${sel}} - (${metric}{${sel}} offset $__range or ${metric}{${sel}} * 0))`;

/**
 * An error series that is 0 instead of missing while nothing went wrong: counters with a label
 * such as `status="500"` exist only once the first one happened, and a panel without series
 * reads as "no data" (is the metric even there?) rather than as the good news it is.
 */
export const orZero = (expr: string, baseline: string) => `(${expr}) or (${baseline} * 0)`;
