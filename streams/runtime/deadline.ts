// Every await on a broker in the commit path has an end. librdkafka's calls carry timeouts of
// their own, but a promise of the client can still wait forever: a delivery report or a
// callback that never comes once a partition's leader moved or the group coordinator died, a
// worker of libuv's small thread pool that never gets a thread. A step that does not settle in
// time fails with StepTimeoutError, which is transient: the batch is rolled back and retried
// through the ordinary retry path (and shows as a stall past the budget), and the producer that
// was running the step is replaced, since it may still be running it.
import { TransientError } from '../../platform/index.js';

export class StepTimeoutError extends TransientError {
  constructor(
    readonly step: string,
    readonly ms: number,
  ) {
    super('STEP_TIMEOUT', `${step} did not finish within ${Math.round(ms)} ms`);
  }
}

/** `work`, or a StepTimeoutError after `ms`; a late failure of the abandoned work is swallowed. */
export function within<T>(ms: number, step: string, work: Promise<T>): Promise<T> {
  work.catch(() => undefined);
  if (!(ms > 0)) return Promise.reject(new StepTimeoutError(step, 0));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeoutError(step, ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** One end for a sequence of steps: each is bounded by the time left. */
export class Deadline {
  private readonly end: number;

  constructor(
    readonly ms: number,
    private readonly now: () => number = Date.now,
  ) {
    this.end = now() + ms;
  }

  get left(): number {
    return this.end - this.now();
  }

  run<T>(step: string, work: () => Promise<T>): Promise<T> {
    const left = this.left;
    if (left <= 0) return Promise.reject(new StepTimeoutError(step, 0));
    return within(left, step, work());
  }
}
