// The pure halves of the live check: Grafana's variables substituted as Grafana would, and the
// metric names found in a query (the convention the alert check and the merge list rely on).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DASHBOARDS } from '../dashboards/index.js';
import { panelsOf } from '../dashboards/lib.js';
import { metricNames, RULES_FILE, substitute } from '../live-check.js';

describe('grafana live check (pure parts)', () => {
  it('substitutes $__rate_interval, $__range, $service and $instance, and nothing else', () => {
    const expr = 'sum by (job) (rate(x_total{job=~"$service", instance=~"$instance"}[$__rate_interval])) + increase(y_total[$__range])';
    assert.equal(
      substitute(expr, { rateInterval: '20s', range: '95s', service: '.*', instance: 'a|b' }),
      'sum by (job) (rate(x_total{job=~".*", instance=~"a|b"}[20s])) + increase(y_total[95s])',
    );
  });

  it('finds metric names (followed by { or [), not functions, keywords or label names', () => {
    assert.deepEqual(metricNames('histogram_quantile(0.99, sum by (le, route) (rate(gateway_http_request_duration_seconds_bucket{job="gateway"}[5m])))'), [
      'gateway_http_request_duration_seconds_bucket',
    ]);
    assert.deepEqual(metricNames('(a_total{x="1"} or b_total{y="2"} * 0) / c_total[5m] offset 5m'), ['a_total', 'b_total', 'c_total']);
  });

  it('every dashboard query and alert names its metrics the way the check finds them', () => {
    for (const { spec } of DASHBOARDS) {
      for (const panel of panelsOf(spec)) for (const q of panel.queries) assert.ok(metricNames(q.expr).length > 0, `${spec.title} / ${panel.title}: ${q.expr}`);
    }
    const rules = readFileSync(RULES_FILE, 'utf8');
    for (const [, alert, body] of rules.matchAll(/- alert: (\w+)\n([\s\S]*?)(?=\n\s*- alert:|\n\s*- name:|$)/g)) {
      assert.ok(metricNames(body!).length > 0, `${alert}: no metric found`);
    }
  });

});
