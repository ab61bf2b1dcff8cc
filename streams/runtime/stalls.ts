// Transient failures that last. A partition retrying one batch (or a punctuation, or a restore)
// because a dependency is away keeps retrying, never skips; but past a budget the process must
// say so: it turns not ready (/readyz and `streams_ready` read 0), logs at error level once the
// budget is crossed and again every budget while it lasts, and `streams_retry_stalled_seconds`
// shows how long, so an alert fires on the stall rather than on a metric that reads fine.
import type { Logger } from 'pino';
import { classifyFailure } from '../../platform/index.js';
import type { StreamsMetrics } from './metrics.js';

export interface StallLabels {
  /** What is retrying: the physical input topic, or `punctuation` / `restore`. */
  topic: string;
  partition: number;
}

interface Stall {
  since: number;
  /** When the error line was last written (only once over budget). */
  lastReported: number;
  overBudget: boolean;
  code: string;
  attempts: number;
}

export interface StallReport {
  topic: string;
  partition: number;
  seconds: number;
  code: string;
  attempts: number;
}

export class Stalls {
  private readonly open = new Map<string, Stall & StallLabels>();

  constructor(
    private readonly budgetMs: number,
    private readonly now: () => number,
    private readonly logger: Logger,
    private readonly metrics: StreamsMetrics,
    private readonly processor: string,
    private readonly onChange: () => void,
  ) {}

  /** One failed attempt; `delayMs` is the wait before the next. */
  failed(labels: StallLabels, error: unknown, delayMs: number): void {
    const key = `${labels.topic}/${labels.partition}`;
    const { code } = classifyFailure(error);
    const now = this.now();
    const stall = this.open.get(key) ?? { ...labels, since: now, lastReported: now, overBudget: false, code, attempts: 0 };
    stall.code = code;
    stall.attempts++;
    this.open.set(key, stall);
    this.metrics.transientFailures.inc({ processor: this.processor, code });
    const elapsed = now - stall.since;
    this.metrics.retryStalled.set({ processor: this.processor, ...this.labelValues(labels) }, elapsed / 1000);
    const context = { err: error, code, ...labels, attempt: stall.attempts, stalledMs: elapsed, retryInMs: Math.round(delayMs) };
    if (elapsed >= this.budgetMs && (!stall.overBudget || now - stall.lastReported >= this.budgetMs)) {
      const crossed = !stall.overBudget;
      stall.overBudget = true;
      stall.lastReported = now;
      this.logger.error(context, `stalled for ${Math.round(elapsed / 1000)} s on a transient failure; still retrying, process not ready`);
      if (crossed) this.onChange();
    } else {
      this.logger.warn(context, `transient failure; retrying in ${Math.round(delayMs)} ms`);
    }
  }

  /**
   * Work of `labels` running since `since` that has not settled: a step with no bound of its own
   * (see the runtime's batch watchdog). Counted from `since`, shown like a retrying stall.
   */
  stuck(labels: StallLabels, step: string, since: number): void {
    const key = `${labels.topic}/${labels.partition}`;
    const now = this.now();
    const stall = this.open.get(key) ?? { ...labels, since, lastReported: now, overBudget: false, code: 'STEP_STUCK', attempts: 0 };
    stall.code = 'STEP_STUCK';
    stall.lastReported = now;
    this.open.set(key, stall);
    const elapsed = now - stall.since;
    this.metrics.retryStalled.set({ processor: this.processor, ...this.labelValues(labels) }, elapsed / 1000);
    this.logger.error({ ...labels, step, stalledMs: elapsed }, `${step} has not settled after ${Math.round(elapsed / 1000)} s; waiting for it, process not ready past the budget`);
    if (elapsed >= this.budgetMs && !stall.overBudget) {
      stall.overBudget = true;
      this.onChange();
    }
  }

  /** The work of `labels` went through (or its partition left): the stall, if any, is over. */
  recovered(labels: StallLabels): void {
    const key = `${labels.topic}/${labels.partition}`;
    const stall = this.open.get(key);
    if (!stall) return;
    this.open.delete(key);
    this.metrics.retryStalled.set({ processor: this.processor, ...this.labelValues(labels) }, 0);
    if (stall.overBudget) {
      this.logger.error({ ...labels, stalledMs: this.now() - stall.since, attempts: stall.attempts }, 'recovered from a stall');
      this.onChange();
    }
  }

  /** Failed attempts so far of the stall of `labels` (0: none open). */
  attempts(labels: StallLabels): number {
    return this.open.get(`${labels.topic}/${labels.partition}`)?.attempts ?? 0;
  }

  /** Every partition, of any topic, that has been retrying for longer than the budget. */
  overBudget(): StallReport[] {
    const now = this.now();
    return [...this.open.values()]
      .filter((s) => s.overBudget || now - s.since >= this.budgetMs)
      .map((s) => ({ topic: s.topic, partition: s.partition, seconds: Math.round((now - s.since) / 1000), code: s.code, attempts: s.attempts }));
  }

  private labelValues(labels: StallLabels) {
    return { topic: labels.topic, partition: String(labels.partition) };
  }
}
