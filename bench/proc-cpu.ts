/**
 * CPU time of processes, from /proc/<pid>/stat (utime + stime): Linux only, as the benches that
 * read it run on the build VM. Each answers undefined (or NaN) where /proc has no such process.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Kernel clock ticks per second for /proc times; 100 on every Linux this runs on (getconf CLK_TCK). */
export const CLK_TCK = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields resume after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return { pid, ppid, ticks: utime + stime };
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by `root` and every live descendant. */
export async function treeCpuSeconds(root: number): Promise<number> {
  const stats: ProcStat[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = await readStat(Number(name));
    if (s) stats.push(s);
  }
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  let ticks = 0;
  const rootStat = stats.find((s) => s.pid === root);
  if (!rootStat) return Number.NaN;
  const todo = [rootStat];
  while (todo.length > 0) {
    const s = todo.pop() as ProcStat;
    ticks += s.ticks;
    todo.push(...(children.get(s.pid) ?? []));
  }
  return ticks / CLK_TCK;
}

/** CPU ms used so far by the process `pid` alone; undefined when /proc does not have it. */
export async function processCpuMs(pid: number): Promise<number | undefined> {
  const s = await readStat(pid);
  return s ? (s.ticks / CLK_TCK) * 1000 : undefined;
}
