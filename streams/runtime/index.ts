// The streams runtime's public face: what a processor module and a service's main import.
export type * from './types.js';
export { StreamsApp, runProcessor, type CommittedEvent, type AbortedEvent, type StreamsEvents } from './runtime.js';
export type { StreamsOptions } from './config.js';
export { NonRetriableError, isRetriable } from './errors.js';
export { DLQ_HEADERS } from './dead-letter.js';
export { metricsHandler, serveMetrics, StreamsMetrics } from './metrics.js';
export { stopOnSignals } from '../../platform/shutdown.js';
export { TestDriver, type TestDriverOptions, type PipedRecord, type DeadLetter } from './test-driver.js';
