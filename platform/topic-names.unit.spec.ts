// The topics a processor owns and the contract's dead-letter topics are named and configured in
// one place, whoever creates them: the runtime at start-up, the schema CLI, the Strimzi manifests.
import assert from 'node:assert/strict';
import { topicContracts } from '../contracts/avro/catalog.js';
import { topicSpecs } from './kafka-access.js';
import { changelogTopicConfig, deadLetterTopicConfig, TopicNames, withDeadLetters } from './topic-names.js';

const DAY_MS = 24 * 3600 * 1000;

describe('platform/topic-names: one source for owned topics', () => {
  it('names a processor’s group, transactional ids, changelogs and dead-letter topics behind the prefix', () => {
    const names = new TopicNames('scheduler', 't1.');
    assert.equal(names.group, 't1.scheduler');
    assert.equal(names.transactionalId('i1', 2), 't1.scheduler-i1-2');
    assert.equal(names.physical('task-events'), 't1.task-events');
    assert.equal(names.changelog('due'), 't1.scheduler-due-changelog');
    assert.equal(names.deadLetter('t1.task-events'), 'dlq.t1.task-events');
  });

  it('gives every contract topic a dead-letter topic kept 30 days, whatever its source keeps', () => {
    const contracts = topicContracts('t1.');
    const topics = withDeadLetters(contracts);
    for (const contract of contracts) {
      assert.deepEqual(topics.find((t) => t.topic === contract.topic)?.config, contract.config);
      const dlq = topics.find((t) => t.topic === `dlq.${contract.topic}`);
      assert.equal(dlq?.partitions, contract.partitions);
      assert.equal(dlq?.config, deadLetterTopicConfig);
    }
    assert.equal(deadLetterTopicConfig['retention.ms'], String(30 * DAY_MS));
    assert.equal(topics.find((t) => t.topic === 't1.task-events')?.config['retention.ms'], String(90 * DAY_MS));
  });

  it('hands the Strimzi topics the same configs the CLI and the runtime create', () => {
    const specs = topicSpecs();
    for (const spec of specs.filter((s) => s.role === 'dead-letter')) assert.deepEqual(spec.config, deadLetterTopicConfig, spec.name);
    for (const spec of specs.filter((s) => s.role === 'changelog')) assert.deepEqual(spec.config, changelogTopicConfig, spec.name);
  });
});
