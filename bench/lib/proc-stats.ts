import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports CPU times in clock ticks; 100 per second on every kernel we run on. */
const CLK_TCK = 100;

export interface ProcSample {
  /** Resident set size of the process and its descendants, bytes. */
  rss: number;
  /** User + system CPU seconds consumed so far by the process and its descendants. */
  cpuSeconds: number;
  /** read/write system calls so far (/proc/<pid>/io): how well a server batches its socket I/O. */
  syscr: number;
  syscw: number;
  pids: number[];
}

/** Fields of /proc/<pid>/stat after the command name, which may contain spaces. */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function ioCounts(pid: number): { syscr: number; syscw: number } {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8');
    return { syscr: Number(/syscr: (\d+)/.exec(text)?.[1] ?? 0), syscw: Number(/syscw: (\d+)/.exec(text)?.[1] ?? 0) };
  } catch {
    return { syscr: 0, syscw: 0 };
  }
}

/** The pid and every live descendant (cluster workers are children of the supervisor). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = Number(statFields(Number(name))?.[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return out;
}

/** RSS and CPU time of a process tree, read from /proc. */
export function sampleProcess(root: number): ProcSample {
  const pids = processTree(root);
  let rss = 0;
  let ticks = 0;
  let syscr = 0;
  let syscw = 0;
  for (const pid of pids) {
    const io = ioCounts(pid);
    syscr += io.syscr;
    syscw += io.syscw;
    const f = statFields(pid);
    if (!f) continue;
    // utime and stime are fields 14 and 15 of stat; f starts at field 3.
    ticks += Number(f[11]) + Number(f[12]);
    rss += rssBytes(pid);
  }
  return { rss, cpuSeconds: ticks / CLK_TCK, syscr, syscw, pids };
}
