// The alert rules, their promtool unit tests, the Alertmanager config and the runbooks, checked
// with the real tools (promtool from the `prometheus` package, amtool from
// `prometheus-alertmanager`): every alert fires in one case and stays silent in another, and a
// broken threshold is caught by those tests.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const GRAFANA = join(import.meta.dirname, '..');
const ALERTS = join(GRAFANA, 'alerts');
const RULES = join(ALERTS, 'todo-stream.rules.yml');
const TESTS = join(ALERTS, 'todo-stream.test.yml');
const ALERTMANAGER = join(GRAFANA, 'alertmanager', 'alertmanager.yml');

/** stdout+stderr and the exit code, without throwing. */
async function tool(cmd: string, args: string[], cwd = ALERTS): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

export function alertNames(rules: string): string[] {
  return [...rules.matchAll(/^\s*- alert: (\w+)/gm)].map((m) => m[1]!);
}

/** alertname → how many test cases expect it firing / silent. */
function cases(tests: string): Map<string, { firing: number; silent: number }> {
  const counts = new Map<string, { firing: number; silent: number }>();
  let current: string | undefined;
  for (const line of tests.split('\n')) {
    const name = /^\s*alertname: (\w+)/.exec(line);
    if (name) current = name[1];
    const expected = /^\s*exp_alerts:\s*(\[\])?/.exec(line);
    if (expected && current) {
      const c = counts.get(current) ?? { firing: 0, silent: 0 };
      if (expected[1]) c.silent++;
      else c.firing++;
      counts.set(current, c);
    }
  }
  return counts;
}

describe('grafana alert rules (promtool, amtool)', function () {
  this.timeout(30_000);

  it('promtool check rules accepts the rule file', async () => {
    const { code, out } = await tool('promtool', ['check', 'rules', RULES]);
    assert.equal(code, 0, out);
    assert.match(out, /SUCCESS: 10 rules found/);
  });

  it('every alert has a test case where it fires and one where it stays silent', async () => {
    const names = alertNames(await readFile(RULES, 'utf8'));
    const tested = cases(await readFile(TESTS, 'utf8'));
    for (const name of names) {
      const c = tested.get(name);
      assert.ok(c && c.firing > 0 && c.silent > 0, `${name}: ${JSON.stringify(c ?? 'no test case')}`);
    }
    assert.deepEqual([...tested.keys()].filter((n) => !names.includes(n)), [], 'test cases of alerts that do not exist');
  });

  it('promtool test rules: every alert fires in its firing case and stays silent in the other', async () => {
    const { code, out } = await tool('promtool', ['test', 'rules', TESTS]);
    console.log(`      ${out.trim().split('\n').join(' | ')}`);
    assert.equal(code, 0, out);
    assert.match(out, /SUCCESS/);
  });

  it('the same tests fail when a threshold is broken (the tests can fail)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'todo-rules-'));
    try {
      const rules = await readFile(RULES, 'utf8');
      const broken = rules.replace('(gateway_outbox_oldest_age_seconds{job="gateway"}) > 60', '(gateway_outbox_oldest_age_seconds{job="gateway"}) > 600');
      assert.notEqual(broken, rules);
      await writeFile(join(dir, 'todo-stream.rules.yml'), broken);
      await copyFile(TESTS, join(dir, 'todo-stream.test.yml'));
      const { code, out } = await tool('promtool', ['test', 'rules', 'todo-stream.test.yml'], dir);
      assert.notEqual(code, 0, out);
      assert.match(out, /OutboxBackingUp/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('amtool check-config accepts the Alertmanager config, and critical alerts page while warnings go to chat', async () => {
    const check = await tool('amtool', ['check-config', ALERTMANAGER]);
    assert.equal(check.code, 0, check.out);
    assert.match(check.out, /SUCCESS/);
    // The receiver is on stdout; amtool warns on stderr that --config.file overrides the URL.
    const route = async (...labels: string[]) => (await run('amtool', ['config', 'routes', 'test', `--config.file=${ALERTMANAGER}`, ...labels])).stdout.trim();
    assert.equal(await route('alertname=OutboxBackingUp', 'severity=critical'), 'on-call-pager');
    assert.equal(await route('alertname=ConsumerLagGrowing', 'severity=warning'), 'team-chat');
  });

  it("the stack's Prometheus config renders and passes promtool check config, loading these rules", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'todo-prom-'));
    try {
      const script = 'source stack/lib.sh; source stack/components/prometheus.sh; prometheus_render_config; echo "$PROMETHEUS_CONFIG"';
      const { stdout } = await run('bash', ['-c', script], { cwd: join(GRAFANA, '..'), env: { ...process.env, STACK_CACHE_DIR: dir } });
      const config = stdout.trim();
      const rendered = await readFile(config, 'utf8');
      assert.doesNotMatch(rendered, /\$\{/, 'every ${...} substituted');
      const { code, out } = await tool('promtool', ['check', 'config', config]);
      assert.equal(code, 0, out);
      assert.match(out, /SUCCESS: 1 rule files found/);
      assert.ok(out.includes(`Checking ${RULES}`), out);
      assert.match(out, /SUCCESS: 10 rules found/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('every alert has a runbook section in grafana/README.md, which its runbook_url points to', async () => {
    const rules = await readFile(RULES, 'utf8');
    const readme = await readFile(join(GRAFANA, 'README.md'), 'utf8');
    for (const name of alertNames(rules)) {
      assert.match(rules, new RegExp(`runbook_url: "grafana/README.md#${name.toLowerCase()}"`), `${name}: runbook_url`);
      const section = new RegExp(`^#### ${name}\\n\\n[^\\n#]{80,}`, 'm');
      assert.match(readme, section, `${name}: no runbook paragraph under "#### ${name}" in grafana/README.md`);
    }
  });
});
