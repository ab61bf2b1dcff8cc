// The stall of the chaos smoke after a leader broker was killed: a task-view replica's static
// member was fenced by its group (its session had timed out while the coordinator moved), its
// consumer took librdkafka's fatal error, and from then on it fetched nothing while the client
// only logged "retrying"; the process looked alive and its partitions stood still for good. Here
// the fencing is made deterministic: another member joins with the app's group.instance.id,
// which fences the app's consumer (FENCED_INSTANCE_ID, fatal). The app must replace its consumer,
// take its partitions back, and commit what is produced after.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { stackEnv, uniqueName } from '../../../test/support/stack-env.js';
import { waitFor } from '../../../test/support/wait-for.js';
import type { StreamsApp } from '../runtime.js';
import { committedRecords, echoProcessor, newApp, physical, produceEvents, registeredPrefix, startAndAssign, taskCreated, users } from './support.js';

describe('streams runtime: a consumer fenced for good is replaced (real broker)', function () {
  this.timeout(120_000);
  const apps: StreamsApp[] = [];
  const intruders: KafkaJS.Consumer[] = [];
  afterEach(async () => {
    await Promise.all(intruders.splice(0).map((c) => c.disconnect().catch(() => undefined)));
    await Promise.all(apps.splice(0).map((app) => app.stop()));
  });

  it('joins again with a fresh consumer after FENCED_INSTANCE_ID, is not ready meanwhile, and commits the records produced after', async () => {
    const prefix = await registeredPrefix('rt-fenced');
    const app = newApp(echoProcessor(uniqueName('fenced')), prefix, { instanceId: 'fenced', staticMembership: true });
    apps.push(app);
    await startAndAssign(app);
    assert.equal(app.readiness().ready, true);

    // Another process started with the same instance id: the group hands it the app's membership.
    const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: stackEnv.kafkaBrokers, logLevel: KafkaJS.logLevel.NOTHING } });
    const intruder = kafka.consumer({ kafkaJS: { groupId: app.groupId, fromBeginning: false, partitionAssigners: [KafkaJS.PartitionAssigners.range] }, 'group.instance.id': `${app.groupId}-fenced` });
    intruders.push(intruder);
    await intruder.connect();
    await intruder.subscribe({ topics: [physical('task-events', prefix)] });
    const revoked = once(app, 'revoked');
    await intruder.run({ eachMessage: () => Promise.resolve() });
    await revoked;
    await waitFor(() => Promise.resolve(!app.readiness().ready), { timeoutMs: 30_000, intervalMs: 50, what: 'the app not ready while its consumer is replaced' });
    // The other process goes away (a static member does not leave its group on close).
    await intruder.disconnect();

    await waitFor(() => Promise.resolve(app.partitions.length === 6 && app.readiness().ready), { timeoutMs: 60_000, intervalMs: 100, what: 'the app owning its partitions again, ready' });
    const events = users(12).map((user) => taskCreated(user));
    const committed = committedRecords(app, events.length, 60_000);
    await produceEvents(prefix, events);
    await committed;
    const replaced = await app.metrics.registry.getSingleMetric('streams_consumer_replacements_total')?.get();
    assert.ok((replaced?.values[0]?.value ?? 0) >= 1, 'the replacement is counted');
  });
});
