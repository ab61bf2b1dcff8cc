// Runs every dashboard panel's queries and every alert's metrics against a real Prometheus, the
// way Grafana would (variables substituted), and says which ones show nothing. Used by
// grafana/__tests__/live.int.spec.ts; `npx tsx grafana/live-check.ts` runs it against
// PROMETHEUS_URL (the last 15 minutes) for a look at a running system.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS } from './dashboards/index.js';
import { panelsOf, type DashboardSpec } from './dashboards/lib.js';

export interface Variables {
  /** Grafana's $__rate_interval: max(4 × scrape interval, step + scrape interval). */
  rateInterval: string;
  /** Grafana's $__range: the dashboard's time range. */
  range: string;
  service: string;
  instance: string;
}

export interface Window {
  start: number; // unix seconds
  end: number;
  step: number;
}

export type Verdict = 'data' | 'empty';

export interface QueryResult {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  verdict: Verdict;
  series: number;
  /** What Prometheus said when it refused the query. */
  error?: string;
}

export function substitute(expr: string, vars: Variables): string {
  return expr
    .replaceAll('$__rate_interval', vars.rateInterval)
    .replaceAll('$__range', vars.range)
    .replaceAll('$service', vars.service)
    .replaceAll('$instance', vars.instance);
}

/** Metric names in a PromQL expression: identifiers followed by `{` or `[` (our convention). */
export function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map((m) => m[1]!))];
}

interface PromResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

async function prom<T>(url: string, path: string, params: Record<string, string | string[]>): Promise<PromResponse<T>> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const value of [v].flat()) body.append(k, value);
  const res = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  return (await res.json()) as PromResponse<T>;
}

type Matrix = { resultType: 'matrix'; result: { metric: Record<string, string>; values: [number, string][] }[] };

/** Runs one query over the window; 'data' when some series has at least one finite value. */
export async function runQuery(url: string, expr: string, window: Window): Promise<{ series: number; finite: boolean; error?: string }> {
  const answer = await prom<Matrix>(url, '/api/v1/query_range', { query: expr, start: String(window.start), end: String(window.end), step: String(window.step) });
  if (answer.status !== 'success') return { series: 0, finite: false, error: answer.error ?? 'query refused' };
  const result = answer.data.result;
  const finite = result.some((s) => s.values.some(([, v]) => Number.isFinite(Number(v))));
  return { series: result.length, finite };
}

/** Every query of every panel of `dashboards`, in order. */
export async function checkDashboards(url: string, dashboards: DashboardSpec[], vars: Variables, window: Window): Promise<QueryResult[]> {
  const results: QueryResult[] = [];
  for (const dashboard of dashboards) {
    for (const panel of panelsOf(dashboard)) {
      for (const [i, query] of panel.queries.entries()) {
        const expr = substitute(query.expr, vars);
        const outcome = await runQuery(url, expr, window);
        results.push({
          dashboard: dashboard.title,
          panel: panel.title,
          refId: String.fromCharCode(65 + i),
          expr,
          verdict: outcome.finite ? 'data' : 'empty',
          series: outcome.series,
          ...(outcome.error ? { error: outcome.error } : {}),
        });
      }
    }
  }
  return results;
}

export interface AlertSeriesResult {
  alert: string;
  selector: string;
  verdict: Verdict;
}

/**
 * For every alert rule, every metric it reads must have series (with the rule's `job` matcher,
 * other matchers dropped: a 5xx counter need not exist for its ratio to be computable).
 */
export async function checkAlertSeries(url: string, rulesYaml: string, window: Window): Promise<AlertSeriesResult[]> {
  const results: AlertSeriesResult[] = [];
  for (const [, alert, body] of rulesYaml.matchAll(/- alert: (\w+)\n([\s\S]*?)(?=\n\s*- alert:|\n\s*- name:|$)/g)) {
    const expr = /expr: (?:>-?\n)?([\s\S]*?)\n\s+(?:for|labels):/.exec(body!)?.[1] ?? '';
    for (const name of metricNames(expr)) {
      const job = new RegExp(`${name}\\{[^}]*?(job="[^"]*")`).exec(expr)?.[1];
      const selector = `${name}{${job ?? ''}}`;
      const answer = await prom<unknown[]>(url, '/api/v1/series', { 'match[]': selector, start: String(window.start), end: String(window.end) });
      const found = answer.status === 'success' && answer.data.length > 0;
      results.push({ alert: alert!, selector, verdict: found ? 'data' : 'empty' });
    }
  }
  return results;
}

export function describeEmpty(results: QueryResult[]): string {
  return results
    .filter((r) => r.verdict === 'empty')
    .map((r) => `${r.dashboard} / ${r.panel} / ${r.refId}: ${r.expr}${r.error ? ` (Prometheus: ${r.error})` : ` (${r.series} series, no finite value)`}`)
    .join('\n');
}

export const RULES_FILE = join(import.meta.dirname, 'alerts', 'todo-stream.rules.yml');

async function main(): Promise<void> {
  const url = process.env.PROMETHEUS_URL ?? 'http://localhost:9090';
  const end = Math.floor(Date.now() / 1000);
  const window = { start: end - 900, end, step: 15 };
  const vars = { rateInterval: '1m', range: '15m', service: '.*', instance: '.*' };
  const results = await checkDashboards(url, DASHBOARDS.map((d) => d.spec), vars, window);
  for (const r of results) console.log(`${r.verdict.padEnd(8)} ${r.dashboard} / ${r.panel} / ${r.refId}`);
  const alerts = await checkAlertSeries(url, readFileSync(RULES_FILE, 'utf8'), window);
  for (const a of alerts) console.log(`${a.verdict.padEnd(8)} alert ${a.alert}: ${a.selector}`);
  const empty = results.filter((r) => r.verdict === 'empty').length + alerts.filter((a) => a.verdict === 'empty').length;
  console.log(`${results.length} queries, ${empty} empty`);
  process.exitCode = empty > 0 ? 1 : 0;
}

if (process.argv[1] === import.meta.filename) await main();
