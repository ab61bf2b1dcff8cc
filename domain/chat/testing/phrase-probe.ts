// Prints, as JSON, what the parser makes of every row of the phrase table under each process
// time zone named on the command line, so a spec can check the answers never depend on TZ.
// The first zone is the one the process was started with; the others are switched to by
// assigning process.env.TZ, which Node applies at once to Date and Intl (checked below, so a
// switch that did not happen fails instead of passing vacuously). One process, not one per zone:
// loading chrono and tsx costs seconds on a busy machine.
import { toWallTime } from '../../wall-clock.js';
import { parseChat } from '../intents.js';
import { DEFAULT_ZONE, PHRASES, REFERENCE, summarize } from './phrase-table.js';

const results: Record<string, unknown[]> = {};
for (const tz of process.argv.slice(2)) {
  process.env.TZ = tz;
  // The process's own clock must now read the reference as that zone's wall clock does.
  const local = new Date(REFERENCE);
  const localWall = Date.UTC(local.getFullYear(), local.getMonth(), local.getDate(), local.getHours(), local.getMinutes());
  if (localWall !== toWallTime(REFERENCE, tz)) throw new Error(`asked for TZ=${tz}, but the process's local time is ${local.toString()}`);
  results[tz] = PHRASES.map(({ say, zone }) => summarize(parseChat(say, { now: REFERENCE, timeZone: zone ?? DEFAULT_ZONE })));
}
process.stdout.write(JSON.stringify(results));
