// What an operator watches of the audit re-drive: how many dead letters it re-sent, how many it
// left in the dead-letter topic and why, and how long the dead letter it is waiting on has been
// missing from the audit store (0 when none waits).
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { PARK_REASONS, type ParkReason } from './redrive.js';

export class RedriveMetrics {
  readonly registry = new Registry();
  readonly redriven = new Counter({
    name: 'audit_redrive_redriven_total',
    help: 'Dead letters of the audit sink re-sent to the retry topic, by the failure code that made them transient',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly parked = new Counter({
    name: 'audit_redrive_parked_total',
    help: 'Dead letters of the audit sink left in the dead-letter topic, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly kafkaRetries = new Counter({
    name: 'audit_redrive_kafka_retries_total',
    help: 'Re-sends to the retry topic (step=send) and offset commits (step=commit) that failed and are tried again',
    labelNames: ['step'] as const,
    registers: [this.registry],
  });
  readonly oldestWaiting: Gauge;

  constructor(waitingSince: () => number | null, now: () => number = Date.now) {
    this.oldestWaiting = new Gauge({
      name: 'audit_redrive_oldest_waiting_seconds',
      help: 'Since when the dead letter waiting for its re-send first failed (0 when none waits): how long its event has been missing from the audit store',
      registers: [this.registry],
      collect() {
        const since = waitingSince();
        this.set(since === null ? 0 : Math.max(0, (now() - since) / 1000));
      },
    });
    // Known label values start at 0, so that the first one counts in rate()/increase().
    for (const reason of PARK_REASONS) this.parked.inc({ reason } satisfies { reason: ParkReason }, 0);
    for (const step of ['send', 'commit']) this.kafkaRetries.inc({ step }, 0);
  }

  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }
}
