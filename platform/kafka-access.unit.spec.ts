// The access table must say what the processors really do: each real processor is built (with
// in-memory or never-touched dependencies: building one does no I/O) and its own declaration of
// inputs, outputs and stores compared with the table's row.
import assert from 'node:assert/strict';
import { notificationViewProcessor } from '../streams/processors/notification-view/processor.js';
import { notifierProcessor } from '../streams/processors/notifier/processor.js';
import { recurrenceProcessor } from '../streams/processors/recurrence/processor.js';
import { schedulerProcessor } from '../streams/processors/scheduler/processor.js';
import { settingsViewProcessor } from '../streams/processors/settings-view/processor.js';
import { MemoryViewStore } from '../streams/processors/task-view/memory-view-store.js';
import { taskViewProcessor } from '../streams/processors/task-view/processor.js';
import type { Processor } from '../streams/runtime/index.js';
import { PROCESSORS, serviceAccess, topicSpecs } from './kafka-access.js';

/** Building a processor stores its collection; only processing would touch it. */
const unusedCollection = {} as never;

const real: Processor[] = [
  taskViewProcessor({ store: new MemoryViewStore() }),
  settingsViewProcessor({ collection: unusedCollection }),
  schedulerProcessor(),
  recurrenceProcessor(),
  notifierProcessor(),
  notificationViewProcessor({ collection: unusedCollection }),
];

describe('platform/kafka-access: the access table', function () {
  it('lists every processor with the inputs, outputs and stores it declares itself', function () {
    assert.deepEqual(
      PROCESSORS.map((p) => ({ ...p })),
      real.map((p) => ({ name: p.name, inputs: [...p.inputs], outputs: [...(p.outputs ?? [])], stores: (p.stores ?? []).map((s) => s.name) })),
    );
  });

  it('grants a processor its group, its transactional ids and its own topics, behind the prefix', function () {
    const scheduler = serviceAccess('t1.').find((s) => s.name === 'scheduler')!;
    assert.deepEqual(scheduler.groups, [{ name: 't1.scheduler', pattern: 'prefix' }]);
    assert.deepEqual(scheduler.transactionalIds, [{ name: 't1.scheduler-', pattern: 'prefix' }]);
    const ops = new Map(scheduler.topics.map((t) => [t.topic.name, [...t.operations]]));
    assert.deepEqual(ops.get('t1.task-events'), ['Read']);
    assert.deepEqual(ops.get('t1.reminders'), ['Write']);
    assert.deepEqual(ops.get('t1.scheduler-due-changelog'), ['Read', 'Write', 'Create']);
    assert.deepEqual(ops.get('dlq.t1.user-events'), ['Read', 'Write', 'Create']);
    assert.equal(ops.has('t1.notifications'), false);
  });

  it('never lets the bridge write task-events or the gateway read a changelog', function () {
    const access = serviceAccess();
    const bridge = access.find((s) => s.name === 'bridge')!;
    assert.equal(bridge.topics.some((t) => t.topic.name === 'task-events' && t.operations.includes('Write')), false);
    const gateway = access.find((s) => s.name === 'gateway')!;
    assert.equal(gateway.topics.some((t) => t.topic.name.endsWith('-changelog') || t.topic.pattern === 'prefix'), false);
  });

  it('names every topic the services touch exactly once, with its partitions and config', function () {
    const specs = topicSpecs();
    const names = specs.map((s) => s.name);
    assert.equal(new Set(names).size, names.length);
    const touched = serviceAccess().flatMap((s) => s.topics.map((t) => t.topic.name));
    for (const name of touched) assert.ok(names.includes(name), `${name} is used but not declared`);
    assert.equal(specs.find((s) => s.name === 'notifier-pending-changelog')?.config['cleanup.policy'], 'compact');
    assert.equal(specs.find((s) => s.name === 'task-events')?.config['cleanup.policy'], 'delete');
  });
});
