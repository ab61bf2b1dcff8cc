// The committed manifests under strimzi/base/generated/ must be exactly what the code produces:
// a topic added to the catalog, a store added to a processor or an ACL changed in the access
// table fails here until `npm run strimzi:generate` is run and its output committed.
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { aclRules, platformAccess } from '../../platform/kafka-access.js';
import { kafkaConnector } from './manifests.js';
import { committed, renderAll } from './render.js';

describe('strimzi/base/generated: no drift from the code', function () {
  for (const [file, text] of renderAll()) {
    it(`${file} is what strimzi/generate produces`, function () {
      assert.ok(committed(file) === text, `strimzi/base/generated/${file} is stale: run npm run strimzi:generate and commit`);
    });
  }

  it('has a KafkaTopic for every changelog of every processor store, compacted', function () {
    const topics = parseAllDocuments(renderAll().get('topics.yaml')!).map((d) => d.toJS() as { spec: { topicName: string; config: Record<string, string> } });
    const changelog = topics.find((t) => t.spec.topicName === 'recurrence-series-changelog');
    assert.equal(changelog?.spec.config['cleanup.policy'], 'compact');
    assert.ok(topics.some((t) => t.spec.topicName === 'dlq.task-events'));
  });

  it("grants Connect's KafkaUser Read on every topic the audit sink's KafkaConnector subscribes to", function () {
    const subscribed = String((kafkaConnector().spec as { config: Record<string, unknown> }).config.topics).split(',');
    const connect = platformAccess().find((s) => s.name === 'connect')!;
    const readable = aclRules(connect).filter((r) => r.resource.type === 'topic' && r.operations.includes('Read'));
    const reads = (topic: string) => readable.some((r) => (r.resource.patternType === 'literal' ? r.resource.name === topic : topic.startsWith(r.resource.name)));
    assert.deepEqual(subscribed.filter((t) => !reads(t)), [], 'topics the sink subscribes to without Read');
    assert.ok(subscribed.includes('task-views'));
  });
});
