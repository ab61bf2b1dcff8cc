// The users' existing tasks for the capacity benchmark: TaskCreated (and, for a third of them,
// TaskCompleted) events produced to task-events as the gateway encodes them, so every processor
// folds them as it would a history, then awaited in the view. Much faster than the HTTP API
// (which waits for each write), and the same log: nothing is written behind the processors' back.
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { taskEventToWire, type TaskEvent } from '../domain/events.js';
import { createTask, lifecycleEvent } from '../domain/task-commands.js';
import { kafkaProducerFactory } from '../gateway/publisher.js';
import { contractFor } from '../contracts/avro/catalog.js';
import { EventSerde } from '../contracts/avro/serde.js';
import { stackEnv } from '../test/support/stack-env.js';
import { waitFor } from '../test/support/wait-for.js';

export const TAGS = ['home', 'work', 'errand', 'health', 'family', 'finance', 'garden', 'car'];
export const WORDS = ['call', 'buy', 'fix', 'book', 'send', 'plan', 'pay', 'clean', 'read', 'write', 'order', 'check'];
export const THINGS = ['dentist', 'invoice', 'groceries', 'tyres', 'report', 'flights', 'plumber', 'birthday', 'insurance', 'laptop'];
const PRIORITIES = ['high', 'medium', 'low'] as const;

export interface SeededTask {
  id: string;
  status: 'pending' | 'completed';
}

const pick = <T>(items: readonly T[], i: number): T => items[i % items.length]!;

/** Produces `perUser` tasks for each user and resolves once the view holds all of them. */
export async function seedTasks(prefix: string, db: Db, users: string[], perUser: number): Promise<Map<string, SeededTask[]>> {
  const serde = EventSerde.forUrl(stackEnv.schemaRegistryUrl, { topicPrefix: prefix });
  await serde.init(['task-events']);
  const topic = contractFor('task-events', prefix).topic;
  const producer = kafkaProducerFactory(stackEnv.kafkaBrokers, 30_000, 20)();
  await producer.connect();
  const seeded = new Map<string, SeededTask[]>();
  const now = Date.now();
  let completed = 0;
  try {
    let batch: TaskEvent[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const messages = batch.map((event) => ({ key: event.userId, value: serde.encode('task-events', taskEventToWire(event)), headers: {} }));
      batch = [];
      await producer.send({ topic, messages });
    };
    for (const user of users) {
      const tasks: SeededTask[] = [];
      for (let i = 0; i < perUser; i++) {
        const ctx = { userId: user, correlationId: randomUUID(), now: now - (perUser - i) * 60_000, newId: randomUUID };
        const id = randomUUID();
        batch.push(
          createTask(ctx, id, {
            title: `${pick(WORDS, i * 7 + 3)} ${pick(THINGS, i * 3 + 1)} ${i}`,
            description: i % 3 === 0 ? `${pick(WORDS, i)} the ${pick(THINGS, i + 5)} before ${pick(WORDS, i + 2)}` : null,
            priority: pick(PRIORITIES, i),
            tags: [pick(TAGS, i), pick(TAGS, i * 5 + 1)].filter((t, k, all) => all.indexOf(t) === k),
            dueAt: i % 4 === 0 ? null : now + ((i % 60) - 20) * 86_400_000,
            timeZone: null,
            recurrence: null,
            reminders: [],
            muted: false,
          }, { source: 'api' }),
        );
        const done = i % 3 === 1;
        if (done) {
          batch.push(lifecycleEvent({ ...ctx, now: ctx.now + 1000 }, 'TaskCompleted', id, 1));
          completed++;
        }
        tasks.push({ id, status: done ? 'completed' : 'pending' });
        if (batch.length >= 500) await flush();
      }
      seeded.set(user, tasks);
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  const tasks = db.collection('tasks');
  const scope = { userId: { $in: users } };
  await waitFor(
    async () => (await tasks.countDocuments(scope)) >= users.length * perUser && (await tasks.countDocuments({ ...scope, status: 'completed' })) >= completed,
    { timeoutMs: 20 * 60_000, intervalMs: 1000, what: `${users.length * perUser} seeded tasks in the view` },
  );
  return seeded;
}
