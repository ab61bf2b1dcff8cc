// The gateway process: `npx tsx gateway/main.ts`. SIGTERM/SIGINT stop it gracefully: stop
// accepting, let requests in flight finish, flush the producer, close the clients.
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from '../platform/logger.js';
import { startGateway } from './server.js';
import { stopOnSignals } from '../platform/shutdown.js';

let config;
try {
  config = loadConfig();
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(2);
}
const logger = createLogger(config.logLevel);

try {
  const gateway = await startGateway(config, { logger, processMetrics: true });
  stopOnSignals({ logger, stop: () => gateway.stop() });
} catch (err) {
  logger.fatal({ err }, 'gateway failed to start');
  process.exit(1);
}
