import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * Where the time went in a `node --cpu-prof` profile: self time per
 * function and per source file, as shares of the samples.
 *
 *   node --import tsx bench/profile-summary.ts bench/results/profiles [top]
 * (a directory: its largest .cpuprofile, which is the main thread's, not the
 * module loader's; or a file). When the bench wrote the measured window
 * next to the profile (window-<pid>.json, monotonic µs, the profile's own
 * clock), only the samples inside it count: start-up and connecting are
 * left out. `--all` keeps every sample.
 */

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

// Piped into head: a closed stdout is the reader being done, not an error.
process.stdout.on('error', () => process.exit(0));

const args = process.argv.slice(2).filter((a) => a !== '--all');
const everything = process.argv.includes('--all');
const target = args[0] ?? 'bench/results/profiles';
const top = Number(args[1] ?? 25);

function largest(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}; run \`npm run bench -- --profile\` first`);
  return join(dir, files.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0]!);
}

const file = statSync(target).isDirectory() ? largest(target) : target;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const window = everything ? undefined : windowOf(dirname(file), profile);
if (window) {
  // Samples outside the window become "(outside window)" and are dropped below.
  let t = profile.startTime;
  const keep: number[] = [];
  const deltas: number[] = [];
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t >= window.startUs && t <= window.endUs) {
      keep.push(id);
      deltas.push(profile.timeDeltas[i] ?? 0);
    }
  });
  profile.samples = keep;
  profile.timeDeltas = deltas;
}

/** The bench's measured window that falls inside this profile, if it wrote one. */
function windowOf(dir: string, p: Profile): { startUs: number; endUs: number } | undefined {
  for (const f of readdirSync(dir).filter((x) => /^window-\d+\.json$/.test(x))) {
    const w = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { startUs: number; endUs: number };
    if (w.startUs >= p.startTime && w.endUs <= p.endTime) return w;
  }
  return undefined;
}
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const shorten = (url: string): string => {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  return path.startsWith('/') ? relative(process.cwd(), path) : path || '(native)';
};

const fns = new Map<string, number>();
const files = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  if (!n) continue;
  const where = shorten(n.callFrame.url);
  const fn = `${n.callFrame.functionName || '(anonymous)'}  ${where}:${n.callFrame.lineNumber + 1}`;
  fns.set(fn, (fns.get(fn) ?? 0) + us);
  const pkg = where.includes('/') && !where.startsWith('src/') && !where.startsWith('dist/') && !where.startsWith('bench/') ? where.split('/').slice(0, where.startsWith('@') ? 2 : 1).join('/') : where;
  files.set(pkg, (files.get(pkg) ?? 0) + us);
}

const show = (title: string, m: Map<string, number>): void => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  }
};
// Inclusive time of our own code (src/, or dist/ for the compiled build): what each gateway function costs with all it calls.
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
const busy = total - [...selfUs].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
profile.samples.forEach((leaf, i) => {
  const seen = new Set<string>();
  for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
    const n = byId.get(id)!;
    const where = shorten(n.callFrame.url);
    if (!where.startsWith('src/') && !where.startsWith('dist/')) continue;
    seen.add(`${n.callFrame.functionName || '(anonymous)'}  ${where}:${n.callFrame.lineNumber + 1}`);
  }
  for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

console.log(`${file}${window ? ' (measured window only)' : ' (whole run)'}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s not idle (shares below are of all samples)`);
show('self time by function', fns);
show('self time by file or package', files);
show('inclusive time of the gateway\'s own functions (src/ or dist/)', inclusive);
