// The task-view processor in its own process for bench/gateway.bench.ts, as deployed: in the
// bench's process its consumer (whose client lock uses AsyncLocalStorage, which turns on
// Node's promise hooks for the whole process, for good) would tax every promise of the gateway
// it measures. Started with the prefix and database by IPC; answers 'assigned' once it owns
// partitions, stops on 'stop' and answers 'stopped'.
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { Registry } from 'prom-client';
import { StreamsApp } from '../streams/runtime/index.js';
import { taskViewProcessor } from '../streams/processors/task-view/processor.js';
import { MongoTaskViewStore } from '../streams/processors/task-view/view-store.js';
import { stackEnv } from '../test/support/stack-env.js';

export interface TaskViewJob {
  topicPrefix: string;
  mongoUrl: string;
  concurrency: number;
}

process.once('message', (job: TaskViewJob) => {
  void (async () => {
    const mongo = await MongoClient.connect(job.mongoUrl);
    const store = new MongoTaskViewStore(mongo.db(), { name: 'tasks' });
    await store.init();
    const processor = new StreamsApp(taskViewProcessor({ store, name: 'task-view' }), {
      topicPrefix: job.topicPrefix,
      brokers: stackEnv.kafkaBrokers,
      schemaRegistryUrl: stackEnv.schemaRegistryUrl,
      logger: pino({ level: 'warn' }),
      registry: new Registry(),
      partitionsConsumedConcurrently: job.concurrency,
    });
    processor.once('assigned', () => process.send!('assigned'));
    process.once('message', () => {
      void processor
        .stop()
        .finally(() => mongo.close())
        .finally(() => process.send!('stopped', () => process.exit(0)));
    });
    await processor.start();
  })().catch((err: unknown) => {
    process.stderr.write(`task-view worker failed: ${String(err)}\n`);
    process.exit(1);
  });
});
