// The audit re-drive: `node --import tsx connectors/redrive/main.ts` (in the image: node
// dist/connectors/redrive/main.js). It makes the audit store complete after a database outage:
// the audit sink dead-letters what it cannot write (decision 0008), and this re-sends what failed
// for a transient reason through the retry topic the sink also reads, backed off, and leaves the
// rest in the dead-letter topic, counted. Environment: see config.ts. SIGTERM/SIGINT stop it
// gracefully (a wait in progress ends; the dead letter it held is decided again at the next start).
import pino from 'pino';
import { stopOnSignals } from '../../platform/shutdown.js';
import { loadRedriveConfig } from './config.js';
import { startAuditRedrive } from './service.js';

let config;
try {
  config = loadRedriveConfig();
} catch (err) {
  process.stderr.write(`${String(err instanceof Error ? err.message : err)}\n`);
  process.exit(2);
}
const logger = pino({ level: config.logLevel, base: { service: 'audit-redrive' }, timestamp: pino.stdTimeFunctions.isoTime });

try {
  const app = await startAuditRedrive(config, logger, { processMetrics: true });
  stopOnSignals(app);
} catch (err) {
  logger.fatal({ err }, 'audit-redrive failed to start');
  process.exit(1);
}
