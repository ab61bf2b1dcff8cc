// Runs the checker again on a finished run's saved artifacts, against its stack (started again
// from the data the run left): `node --import tsx test/chaos/recheck.ts <run id>`.
// Handy to look closer at a problem without running the faults again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, type CheckInput } from './checker.js';
import { ChaosStack } from './stack.js';

const id = process.argv[2];
if (!id) {
  process.stderr.write('usage: recheck.ts <run id> (a folder of .stack/chaos/runs/)\n');
  process.exit(2);
}
const dir = join(import.meta.dirname, '..', '..', '.stack', 'chaos', 'runs', id);
const read = <T>(name: string): T => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
const run = read<Omit<CheckInput, 'writes' | 'sockets'> & { portBase: number; stack: 'own' | object }>('run.json');
const stack = new ChaosStack(run.portBase);
await stack.up(run.stack === 'own' ? 'all' : 'brokers');
try {
  const report = await check({ ...run, writes: read('writes.json'), sockets: read('sockets.json') });
  for (const [phase, c] of report.phases) process.stdout.write(`${phase}: ${JSON.stringify(c)}\n`);
  process.stdout.write(`${JSON.stringify(report.totals)}\n`);
  for (const problem of report.problems) process.stdout.write(`PROBLEM ${problem}\n`);
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await stack.down();
}
