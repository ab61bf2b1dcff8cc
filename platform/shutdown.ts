// SIGTERM (Kubernetes, systemd) and SIGINT (Ctrl-C) stop a service gracefully: for a streams
// app the transaction in flight finishes or is abandoned uncommitted and the group is left at
// once; the gateway drains its requests, the bridge closes its sockets. A second signal, or a
// stop that hangs past `forceAfterMs`, exits at once: the next owner's exactly-once restore
// copes with that too.
import type { Logger } from 'pino';

export interface Stoppable {
  stop(): Promise<void>;
  readonly logger: Logger;
}

export function stopOnSignals(app: Stoppable, { signals = ['SIGTERM', 'SIGINT'] as NodeJS.Signals[], forceAfterMs = 30_000 } = {}): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      app.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    app.logger.info({ signal }, 'signal received: stopping');
    const force = setTimeout(() => {
      app.logger.error({ forceAfterMs }, 'graceful stop timed out: exiting');
      process.exit(1);
    }, forceAfterMs);
    force.unref();
    app.stop().then(
      () => {
        clearTimeout(force);
        remove();
        // Let the event loop drain instead of exit(): pending log lines still get written.
        process.exitCode = 0;
      },
      (err: unknown) => {
        app.logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  const remove = () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return remove;
}
