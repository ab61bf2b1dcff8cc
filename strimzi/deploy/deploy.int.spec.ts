// `make deploy` cannot be run against a cluster here (none is reachable): what is checked is that
// it refuses to run without an explicit context or with a bad overlay, before touching anything,
// and that its phases put every rendered resource after what it depends on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PHASES, splitPhases } from './phases.js';

const ROOT = join(import.meta.dirname, '..', '..');

function run(args: string[], env: Record<string, string>) {
  const r = spawnSync(args[0]!, args.slice(1), { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('make deploy / undeploy', function () {
  it('refuses to run without CONTEXT, naming how to give one', function () {
    for (const target of ['deploy', 'undeploy']) {
      const r = run(['make', '-s', target], {});
      assert.notEqual(r.status, 0);
      assert.match(r.out, /REFUSED: no CONTEXT given\. Name the cluster explicitly: make \w+ CONTEXT=<kube context>/);
    }
  });

  it('refuses an unknown overlay, and production without an image tag', function () {
    assert.match(run(['make', '-s', 'deploy', 'CONTEXT=somewhere', 'OVERLAY=staging'], {}).out, /OVERLAY must be local or production, not 'staging'/);
    assert.match(run(['make', '-s', 'deploy', 'CONTEXT=somewhere', 'OVERLAY=production'], {}).out, /needs IMAGE=<repository> and TAG=<commit tag>/);
  });

  it('orders the phases so each resource comes after what it needs', function () {
    const text = ['kafka/kafka.yaml', 'kafka/node-pools.yaml', 'generated/topics.yaml', 'generated/users.yaml', 'registry/registry.yaml', 'generated/schemas-job.yaml', 'connect/connect.yaml', 'generated/connector.yaml', 'generated/app.yaml', 'generated/processors.yaml', 'app/network-policies.yaml']
      .map((f) => readFileSync(join(ROOT, 'strimzi/base', f), 'utf8'))
      .join('\n---\n');
    const phases = splitPhases(text);
    const at = (kind: string, name?: string) =>
      PHASES.findIndex((p) => phases.get(p)!.some((d) => d.kind === kind && (name === undefined || d.metadata.name === name)));
    assert.ok(at('NetworkPolicy') < at('Kafka'));
    assert.ok(at('Kafka') < at('KafkaTopic') && at('KafkaTopic') === at('KafkaUser'));
    assert.ok(at('KafkaUser') < at('Deployment', 'registry'));
    assert.ok(at('Deployment', 'registry') < at('Job') && at('Job') < at('KafkaConnect'));
    assert.ok(at('KafkaConnect') < at('KafkaConnector') && at('KafkaConnector') < at('Deployment', 'gateway'));
    assert.equal(at('StatefulSet', 'task-view'), PHASES.indexOf('app'));
    assert.equal(splitPhases(readFileSync(join(ROOT, 'strimzi/base/app/pod-monitors.yaml'), 'utf8'), ['PodMonitor']).get('app')!.length, 0);
  });
});
