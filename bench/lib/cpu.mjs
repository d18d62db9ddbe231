// CPU time of a server process, read from /proc (Linux), for "CPU per request" figures that hold
// on a shared machine where requests per second do not: a server that waits for a core still
// spends the same CPU per request. Two sources, both over the whole process (every thread):
//   - /proc/<pid>/task/<tid>/schedstat: nanoseconds each thread ran (precise; a thread that
//     exits inside the window takes its time with it, so this can only under-count);
//   - /proc/<pid>/stat utime+stime: clock ticks (10 ms) of the thread group, dead threads
//     included (coarse, never under-counts).
// `cpuSample` returns both; `cpuSpent` takes the schedstat figure unless the tick figure says
// threads died with more than a few ticks of work, then the tick figure.
import { execFileSync } from "node:child_process";
import fs from "node:fs";

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU consumed so far by process `pid`: `{ ns, tickNs }`, or undefined where /proc has no such pid. */
export function cpuSample(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    const tickNs = (ticks * 1e9) / ticksPerSecond();
    let ns = 0;
    let threads = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
        threads++;
      } catch {
        // The thread exited between readdir and read.
      }
    }
    return { ns: threads ? ns : tickNs, tickNs };
  } catch {
    return undefined;
  }
}

/** Nanoseconds of CPU between two samples (NaN when either is missing). */
export function cpuSpent(before, after) {
  if (!before || !after) return NaN;
  const precise = after.ns - before.ns;
  const coarse = after.tickNs - before.tickNs;
  // Ticks are 10 ms apart: only a gap beyond a few of them means time left with exited threads.
  const slack = (3 * 1e9) / ticksPerSecond();
  return coarse > precise + slack ? coarse : precise;
}
