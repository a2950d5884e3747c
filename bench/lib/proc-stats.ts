import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

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

/** Parent → children of every live process, from /proc. */
export function processTable(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = Number(statFields(Number(name))?.[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  return children;
}

/** The pid and every live descendant (cluster workers are children of the supervisor). */
export function processTree(root: number, children: Map<number, number[]> = processTable()): number[] {
  const out: number[] = [];
  const walk = (pid: number): void => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return out;
}

/** RSS and CPU time of a process tree, read from /proc. */
export function sampleProcess(root: number, table: Map<number, number[]> = processTable()): ProcSample {
  const pids = processTree(root, table);
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

/**
 * The process listening on a local TCP port (the broker's beam.smp on
 * 5672), from /proc/net/tcp{,6} and the fds of every process; undefined
 * when it cannot be seen (another user's process without root, or no such
 * listener).
 */
export function listenerPid(port: number): number | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is "ADDR:PORT"; state 0A is LISTEN; inode is the 10th field.
      if (f.length > 9 && f[1]!.endsWith(`:${hexPort}`) && f[3] === '0A') inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const link = readlinkSync(`/proc/${name}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m && inodes.has(m[1]!)) return Number(name);
      } catch {
        // gone meanwhile
      }
    }
  }
  return undefined;
}

/** The 1-minute load average, as /proc/loadavg says. */
export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds the whole machine has spent busy (all cores, /proc/stat), to tell what else ran meanwhile. */
export function machineBusySeconds(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0);
    return busy / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}
