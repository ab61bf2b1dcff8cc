// The committed manifests under strimzi/base/generated/ must be exactly what the code produces:
// a topic added to the catalog, a store added to a processor or an ACL changed in the access
// table fails here until `npm run strimzi:generate` is run and its output committed.
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
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
});
