/**
 * Every snippet the README and docs/*.md tell a user to run runs as written
 * on a fresh clone, against a running gateway, and exits.
 *
 * Convention (documented here, used in the Markdown):
 * - A fenced block a reader is told to save and run is preceded by
 *   `<!-- runnable: <file>: <command>[; prints: <regex>] -->`: the snippet
 *   is saved as <file> at the root of the clone and <command> is run
 *   there; it must exit 0 within RUN_BOUND_MS and, if given, print a line
 *   matching <regex>. The prose before the fence must show the same
 *   <command> (the comment is invisible once rendered).
 * - Every js/ts fence that is not runnable says so and why:
 *   `<!-- not runnable: <reason> -->` (reference lists, fragments).
 * - Other fences (sh, properties, nginx, json, text) are not checked here.
 *
 * "Fresh clone": the files git would check out (tracked and not ignored),
 * copied to a temporary folder with node_modules linked in (what
 * `npm install` gives), so nothing built or left in the working tree (a
 * stale dist/) can make a snippet pass. The gateway is the one `npm start`
 * runs (embedded mode), on a free port: `localhost:8080` and
 * `127.0.0.1:8080` in a snippet are pointed at it, the one change made.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/index.js';
import { startWorker, type RunningWorker } from '../../../src/main/worker.js';
import { MemoryLogger } from '../../support/fakes.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const RUN_BOUND_MS = 150_000;
const CHECKED_LANGS = new Set(['js', 'javascript', 'mjs', 'ts', 'typescript']);

interface Fence {
  readonly doc: string;
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  /** The lines of prose before the fence, back to the previous fence. */
  readonly before: string;
  readonly marker?: { kind: 'run'; file: string; command: string; prints?: RegExp } | { kind: 'skip'; reason: string };
}

function docs(): string[] {
  return ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
}

function parseMarker(text: string): Fence['marker'] {
  const run = /^<!--\s*runnable:\s*([^:\s]+):\s*(.+?)\s*-->$/.exec(text);
  if (run) {
    const [command, prints] = run[2]!.split(/;\s*prints:\s*/);
    return { kind: 'run', file: run[1]!, command: command!.trim(), ...(prints ? { prints: new RegExp(prints) } : {}) };
  }
  const skip = /^<!--\s*not runnable:\s*(.+?)\s*-->$/.exec(text);
  return skip ? { kind: 'skip', reason: skip[1]! } : undefined;
}

function fences(doc: string): Fence[] {
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  const found: Fence[] = [];
  let proseFrom = 0;
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    let m = i - 1;
    while (m >= 0 && lines[m]!.trim() === '') m--;
    const marker = m >= 0 ? parseMarker(lines[m]!.trim()) : undefined;
    found.push({
      doc, line: i + 1, lang: open[1]!, code: lines.slice(i + 1, end).join('\n') + '\n',
      before: lines.slice(proseFrom, i).join('\n'), ...(marker ? { marker } : {}),
    });
    proseFrom = end + 1;
    i = end;
  }
  return found;
}

const all = docs().flatMap(fences);
const runnable = all.filter((f): f is Fence & { marker: { kind: 'run'; file: string; command: string; prints?: RegExp } } => f.marker?.kind === 'run');

describe('doc snippets: marked', () => {
  it('every js/ts snippet is marked runnable or says why not', () => {
    const unmarked = all.filter((f) => CHECKED_LANGS.has(f.lang) && f.marker === undefined).map((f) => `${f.doc}:${f.line}`);
    expect(unmarked).toEqual([]);
  });

  it('there are runnable snippets, and each one\'s command is the one the text gives the reader', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(3);
    for (const f of runnable) expect(f.before, `${f.doc}:${f.line}`).toContain(`\`${f.marker.command}\``);
  });
});

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchors(doc: string): Set<string> {
  const text = readFileSync(join(ROOT, doc), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1]!)));
}

describe('doc links', () => {
  it('every relative link of the README and docs points at a file of the repository, and at a heading of it', () => {
    const broken: string[] = [];
    for (const doc of docs()) {
      const text = readFileSync(join(ROOT, doc), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, anchor] = target!.split('#');
        const file = path === '' ? doc : join(dirname(doc), path!);
        let exists = true;
        try { readFileSync(join(ROOT, file)); } catch { exists = false; }
        if (!exists) broken.push(`${doc}: ${target} (no file ${file})`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchors(file).has(anchor)) broken.push(`${doc}: ${target} (no heading #${anchor})`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('doc snippets: run on a fresh clone against the embedded gateway', () => {
  let clone: string;
  let gateway: RunningWorker;

  beforeAll(async () => {
    clone = mkdtempSync(join(tmpdir(), 'asgw-clone-'));
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0').filter((f) => f !== '');
    for (const f of files) {
      mkdirSync(join(clone, dirname(f)), { recursive: true });
      try {
        cpSync(join(ROOT, f), join(clone, f));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // deleted in the working tree, not yet in git
      }
    }
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
    const { config } = loadConfig({ env: {}, argv: { 'frontend.embedded': true, 'frontend.port': 0, 'frontend.host': '127.0.0.1' } });
    gateway = await startWorker(config, { logger: new MemoryLogger() });
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    if (clone) rmSync(clone, { recursive: true, force: true });
  }, 30_000);

  it.each(runnable.map((f) => [`${f.doc}:${f.line} (${f.marker.file})`, f] as const))('%s runs, exits 0 and prints what it should', async (_name, f) => {
    const code = f.code.replace(/(localhost|127\.0\.0\.1):8080\b/g, `$1:${gateway.port}`);
    writeFileSync(join(clone, f.marker.file), code);
    const { exit, stdout, stderr } = await run(f.marker.command, clone);
    expect(exit, `${f.marker.command}\nstdout:\n${stdout.slice(-2000)}\nstderr:\n${stderr.slice(-2000)}`).toBe(0);
    if (f.marker.prints) expect(stdout).toMatch(f.marker.prints);
  }, RUN_BOUND_MS + 10_000);
});

/** Runs `command` in a shell; a command still running after RUN_BOUND_MS is killed and reported as exit null. */
function run(command: string, cwd: string): Promise<{ exit: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      stderr += `\n[killed: still running after ${RUN_BOUND_MS} ms]`;
      process.kill(-child.pid!, 'SIGKILL');
    }, RUN_BOUND_MS);
    child.once('exit', (exit) => {
      clearTimeout(timer);
      resolve({ exit, stdout, stderr });
    });
  });
}
