// The chaos stack (stack/chaos.sh) from TypeScript: start, stop, kill and probe its components,
// and the Kafka admin questions the faults need (who leads the busiest partition, is every
// replica back in sync).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { partitionKey, readGroupOffsets } from '../../platform/committed-offsets.js';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '..', '..', 'stack', 'chaos.sh');

export type StackComponent = 'kafka-1' | 'kafka-2' | 'kafka-3' | 'registry' | 'postgres' | 'ferretdb' | 'connect';

export class ChaosStack {
  constructor(
    readonly portBase: number,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  private async sh(...args: string[]): Promise<string> {
    const { stdout } = await run(SCRIPT, args, {
      env: { ...process.env, CHAOS_PORT_BASE: String(this.portBase), ...this.extraEnv },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  }

  up(what: 'all' | 'brokers'): Promise<string> {
    return this.sh('up', what);
  }

  down(): Promise<string> {
    return this.sh('down');
  }

  reset(): Promise<string> {
    return this.sh('reset');
  }

  async env(): Promise<Record<string, string>> {
    const lines = (await this.sh('env')).trim().split('\n');
    return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  start(c: StackComponent): Promise<string> {
    return this.sh('start', c);
  }

  stop(c: StackComponent): Promise<string> {
    return this.sh('stop', c);
  }

  kill(c: StackComponent): Promise<string> {
    return this.sh('kill', c);
  }

  async healthy(c: StackComponent): Promise<boolean> {
    try {
      await this.sh('healthy', c);
      return true;
    } catch {
      return false;
    }
  }

  applyConnector(env: Record<string, string>): Promise<string> {
    return run(SCRIPT, ['apply-connector'], { env: { ...process.env, CHAOS_PORT_BASE: String(this.portBase), ...env } }).then((r) => r.stdout);
  }
}

export class ClusterAdmin {
  private readonly kafka: KafkaJS.Kafka;

  constructor(brokers: string[]) {
    this.kafka = new KafkaJS.Kafka({ kafkaJS: { brokers, logLevel: KafkaJS.logLevel.NOTHING } });
  }

  private async with<T>(fn: (admin: KafkaJS.Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect();
    }
  }

  /** The node id leading the partition of `topic` with the most records. */
  leaderOfBusiestPartition(topic: string): Promise<{ partition: number; leader: number; high: number }> {
    return this.with(async (admin) => {
      const offsets = await admin.fetchTopicOffsets(topic);
      const busiest = offsets.reduce((a, b) => (Number(b.high) > Number(a.high) ? b : a));
      const [meta] = await admin.fetchTopicMetadata({ topics: [topic] });
      const leader = meta?.partitions.find((p) => p.partitionId === busiest.partition)?.leader;
      if (leader === undefined) throw new Error(`no leader for ${topic}-${busiest.partition}`);
      return { partition: busiest.partition, leader, high: Number(busiest.high) };
    });
  }

  /** Partitions of `topics` whose in-sync replicas are fewer than their replicas. */
  underReplicated(topics: string[]): Promise<number> {
    return this.with(async (admin) => {
      const meta = await admin.fetchTopicMetadata({ topics });
      return meta.flatMap((t) => t.partitions).filter((p) => p.isr.length < p.replicas.length).length;
    });
  }

  /** Per partition of `topic`: the log end minus the group's committed offset. */
  committedLag(groupId: string, topic: string): Promise<number[]> {
    return this.with(async (admin) => {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
      const committed = await readGroupOffsets(this.kafka, groupId, [topic]);
      return [...ends.keys()].sort((a, b) => a - b).map((p) => (ends.get(p) ?? 0) - Math.max(0, committed.get(partitionKey(topic, p)) ?? 0));
    });
  }

  topics(): Promise<string[]> {
    return this.with((admin) => admin.listTopics());
  }
}
