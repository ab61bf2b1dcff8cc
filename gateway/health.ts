// Readiness: can this gateway do its job? Each dependency is checked for real (a metadata
// request to the broker, a registry call, a database ping), bounded in time, and reported.
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Db } from 'mongodb';

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export interface CheckResult {
  ok: boolean;
  ms: number;
  error?: string;
}

export async function runChecks(checks: HealthCheck[], timeoutMs = 2000): Promise<{ ready: boolean; checks: Record<string, CheckResult> }> {
  const results = await Promise.all(
    checks.map(async (probe): Promise<[string, CheckResult]> => {
      const { name } = probe;
      const start = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          probe.check(),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
        ]);
        return [name, { ok: true, ms: Math.round(performance.now() - start) }];
      } catch (err) {
        return [name, { ok: false, ms: Math.round(performance.now() - start), error: err instanceof Error ? err.message : String(err) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
}

export function brokerCheck(admin: KafkaJS.Admin, topic: string): HealthCheck {
  return {
    name: 'broker',
    async check() {
      await admin.fetchTopicMetadata({ topics: [topic], timeout: 1500 });
    },
  };
}

export function registryCheck(url: string): HealthCheck {
  return {
    name: 'registry',
    async check() {
      const res = await fetch(`${url.replace(/\/$/, '')}/subjects`, { signal: AbortSignal.timeout(1500) });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`registry answered ${res.status}`);
    },
  };
}

export function databaseCheck(database: Db): HealthCheck {
  return {
    name: 'database',
    async check() {
      await database.command({ ping: 1 }, { timeoutMS: 1500 });
    },
  };
}
