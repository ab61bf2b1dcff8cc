// Stand-ins for the gateway's dependencies, for tests that need an app but no stack (the
// router/OpenAPI comparison). Any call into them is a test bug and throws.
import { pino } from 'pino';
import { EventSerde } from '../../contracts/avro/serde.js';
import type { GatewayDeps } from '../app.js';
import { GatewayMetrics } from '../metrics.js';

const unused = (what: string) => () => Promise.reject(new Error(`${what} is not available in this test`));

export function fakeDeps(over: Partial<GatewayDeps> = {}): GatewayDeps {
  return {
    logger: pino({ level: 'silent' }),
    verifier: { verify: unused('verifier') },
    serde: EventSerde.forUrl('http://registry.invalid'),
    publisher: { publish: unused('publisher') },
    viewChanges: { expect: () => ({ promise: Promise.resolve(null), cancel: () => undefined }) },
    tasks: { get: unused('tasks') },
    settings: { get: unused('settings') },
    taskViews: unused('taskViews'),
    audit: { events: {} as never, outcomes: {} as never },
    idempotency: { leaseMs: 5000, claim: unused('idempotency'), renew: unused('idempotency'), complete: unused('idempotency'), release: unused('idempotency'), purgeOlderThan: unused('idempotency') },
    metrics: new GatewayMetrics(),
    checks: [],
    topicPrefix: '',
    rywTimeoutMs: 100,
    ...over,
  };
}
