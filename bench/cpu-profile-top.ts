// The top self-time table of a V8 CPU profile (`node --cpu-prof` writes one .cpuprofile per
// process at exit): `npx tsx bench/cpu-profile-top.ts <file.cpuprofile> [rows=30]`.
//
// Self time is the time a function ran its own code (not its callees): the list of what to cut.
// Functions are grouped by name and source location; a second table groups by package (the
// node_modules folder, or our own top-level folder, or node: internals), which says whose code
// the process spends its CPU in.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx bench/cpu-profile-top.ts <file.cpuprofile> [rows=30]\n');
  process.exit(2);
}
const rows = Number(rowsArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

// Time per sample: each sample's delta is the time since the previous one.
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const totalUs = profile.endTime - profile.startTime;

/** Where a frame's code lives: a package, one of our folders, node internals, or V8 itself. */
function owner(url: string): string {
  if (!url) return '(v8/native)';
  if (url.startsWith('node:')) return 'node:*';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(gateway|streams|views|platform|domain|contracts|bridge|bench|test)\//.exec(url);
  return ours ? `ours: ${ours[1]}/` : url;
}

const fns = new Map<string, number>();
const owners = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const where = url ? `${url.replace(/^.*?\/(node_modules|gateway|streams|views|platform|domain|contracts|bridge|bench)\//, '$1/')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'}  ${where}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
  owners.set(owner(url), (owners.get(owner(url)) ?? 0) + us);
}

const pct = (us: number) => `${((us / totalUs) * 100).toFixed(1).padStart(5)}%`;
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
const say = (line: string) => process.stdout.write(`${line}\n`);
say(`${file}: ${(totalUs / 1e6).toFixed(1)} s profiled`);
say('\nself time by function');
for (const [key, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, rows)) say(`${ms(us)} ${pct(us)}  ${key}`);
say('\nself time by owner');
for (const [key, us] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, rows)) say(`${ms(us)} ${pct(us)}  ${key}`);
