// The committed dashboard JSON is exactly what the TypeScript builds (no drift), valid against a
// JSON schema of the SDK's Dashboard type (no Grafana server can be installed here to load it),
// and every panel follows the conventions the live check and operators rely on.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { DASHBOARDS, renderDashboard } from '../dashboards/index.js';
import { buildDashboard, panelsOf } from '../dashboards/lib.js';
import { JSON_DIR, PROMETHEUS_RULE_FILE, prometheusRule, RULES_FILE, SCHEMA_FILE } from '../generate.js';

const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const sdkVersion = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'node_modules', '@grafana', 'grafana-foundation-sdk', 'package.json'), 'utf8')) as { version: string }).version;

interface PanelJson {
  type: string;
  title: string;
  datasource?: { uid?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { refId?: string; expr?: string; legendFormat?: string; datasource?: { uid?: string } }[];
}

describe('grafana dashboards (generated JSON)', () => {
  it('the committed JSON files are exactly what the code generates (run `npm run dashboards` after a change)', () => {
    const committed = readdirSync(JSON_DIR).filter((f) => f.endsWith('.json')).sort();
    assert.deepEqual(committed, DASHBOARDS.map((d) => d.file).sort());
    for (const { file, spec } of DASHBOARDS) {
      assert.equal(readFileSync(join(JSON_DIR, file), 'utf8'), renderDashboard(spec), `${file} drifted from grafana/dashboards/: run npm run dashboards`);
    }
  });

  it('the committed PrometheusRule carries exactly the rules of grafana/alerts/ (run `npm run dashboards` after a change)', () => {
    assert.equal(readFileSync(PROMETHEUS_RULE_FILE, 'utf8'), prometheusRule(readFileSync(RULES_FILE, 'utf8')));
  });

  it('the schema was generated from the installed SDK version', () => {
    assert.match(String(schema.$comment), new RegExp(`grafana-foundation-sdk ${sdkVersion.replace(/\./g, '\\.')} `));
  });

  for (const { file } of DASHBOARDS) {
    it(`${file} is valid against the SDK's Dashboard schema`, () => {
      const ok = validate(JSON.parse(readFileSync(join(JSON_DIR, file), 'utf8')));
      assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    });
  }

  it('the schema refuses a dashboard that is not one (a number where a string belongs, an unknown field)', () => {
    const broken = { ...buildDashboard(DASHBOARDS[0]!.spec), title: 42, colour: 'red' } as unknown;
    assert.equal(validate(broken), false);
    const complaints = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ');
    assert.match(complaints, /\/title must be string/);
    assert.match(complaints, /must NOT have additional properties/);
  });

  for (const { file, spec } of DASHBOARDS) {
    it(`${file}: one datasource variable, service and instance variables; every panel has a unit, a datasource, refIds and legends`, () => {
      const json = buildDashboard(spec) as unknown as { uid: string; templating: { list: { name: string; type: string }[] }; panels: PanelJson[] };
      assert.deepEqual(
        json.templating.list.map((v) => `${v.name}:${v.type}`),
        ['datasource:datasource', 'service:query', 'instance:query'],
      );
      const panels = json.panels.filter((p) => p.type !== 'row');
      assert.equal(panels.length, panelsOf(spec).length);
      for (const panel of panels) {
        const where = `${spec.title} / ${panel.title}`;
        assert.equal(panel.datasource?.uid, '${datasource}', where);
        assert.ok(panel.fieldConfig?.defaults?.unit, `${where}: no unit`);
        assert.ok(panel.targets && panel.targets.length > 0, `${where}: no query`);
        const refIds = panel.targets.map((t) => t.refId);
        assert.deepEqual(refIds, ['A', 'B', 'C', 'D'].slice(0, refIds.length), `${where}: refIds`);
        for (const t of panel.targets) {
          assert.ok(t.legendFormat, `${where}: query ${t.refId} has no legend`);
          assert.equal(t.datasource?.uid, '${datasource}', where);
          // Only variables the dashboard defines or Grafana provides (the live check substitutes these).
          const unknown = [...(t.expr ?? '').matchAll(/\$(\w+)/g)].map((m) => m[1]).filter((v) => !['service', 'instance', '__rate_interval', '__range'].includes(v!));
          assert.deepEqual(unknown, [], `${where}: unknown variables`);
        }
      }
    });
  }
});
