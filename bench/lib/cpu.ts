import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Clock ticks per second of /proc's utime and stime (USER_HZ; 100 on Linux everywhere in practice). */
const TICK_MS = 10;

/** CPU time (user + system, ms) a process has used so far, from /proc; 0 when it is gone or not Linux. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** CPU time used so far by every process named `name` (e.g. every PostgreSQL backend), in ms. */
export function cpuMsByName(name: string): number {
  let total = 0;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === name) total += processCpuMs(Number(pid));
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

/** CPU used by the parts of a run, to tell "the machine had no CPU left" from "the code waited". */
export interface CpuUse {
  /** The scheduler's service processes (all of them). */
  serviceMs: number;
  sandboxMs: number;
  /** Every `postgres` process on the machine (0 for a SQLite run, bar other users). */
  postgresMs: number;
  /** Cores on this machine. */
  cores: number;
}

export function cpuSnapshot(servicePids: Array<number | undefined>, sandboxPid: number | undefined): CpuUse {
  return {
    serviceMs: servicePids.reduce<number>((sum, pid) => sum + processCpuMs(pid), 0),
    sandboxMs: processCpuMs(sandboxPid),
    postgresMs: cpuMsByName("postgres"),
    cores: availableParallelism(),
  };
}

export function cpuBetween(before: CpuUse, after: CpuUse): CpuUse {
  return {
    serviceMs: after.serviceMs - before.serviceMs,
    sandboxMs: after.sandboxMs - before.sandboxMs,
    postgresMs: after.postgresMs - before.postgresMs,
    cores: after.cores,
  };
}
