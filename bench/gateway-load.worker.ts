// autocannon in its own process for bench/gateway.bench.ts, so the load generator does not
// share an event loop with the server it measures. Receives one job by IPC, answers its result.
import autocannon from 'autocannon';

export interface LoadJob {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  /** One Authorization header per simulated user; requests rotate through them. */
  tokens?: string[];
  headers?: Record<string, string>;
  connections: number;
  durationSec: number;
  /** Requests per second across all connections (fixed-rate runs). */
  overallRate?: number;
}

export interface LoadResult {
  rps: number;
  total: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

process.once('message', (job: LoadJob) => {
  let turn = 0;
  const instance = autocannon(
    {
      url: job.url,
      connections: job.connections,
      duration: job.durationSec,
      ...(job.overallRate ? { overallRate: job.overallRate } : {}),
      requests: [
        {
          method: job.method,
          ...(job.body ? { body: job.body } : {}),
          headers: { 'content-type': 'application/json', ...job.headers },
          setupRequest: (request) => {
            const tokens = job.tokens;
            if (!tokens?.length) return request;
            return { ...request, headers: { ...request.headers, authorization: `Bearer ${tokens[turn++ % tokens.length]}` } };
          },
        },
      ],
    },
    (err, result) => {
      if (err) throw err;
      const answer: LoadResult = {
        rps: result.requests.average,
        total: result.requests.total,
        ok2xx: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      };
      process.send!(answer, () => process.exit(0));
    },
  );
  void instance;
});
