import { type ChildProcess, spawn } from "node:child_process";
import { ROOT } from "./report.js";

/** `node --import tsx <args>` from the project root, as the benchmarks run the real CLI. */
export function spawnTsx(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const [nodeFlags, rest] = splitNodeFlags(args);
  return spawn(process.execPath, [...nodeFlags, "--import", "tsx", ...rest], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Leading `--cpu-prof…` flags belong to node, before `--import tsx`. */
function splitNodeFlags(args: string[]): [string[], string[]] {
  const i = args.findIndex(
    (a) => !a.startsWith("--cpu-prof") && args[args.indexOf(a) - 1] !== "--cpu-prof-dir",
  );
  return i <= 0 ? [[], args] : [args.slice(0, i), args.slice(i)];
}

/** Runs to the end; resolves with stdout, stderr, exit code and wall time. */
export function runTsx(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string; code: number | null; ms: number }> {
  const started = performance.now();
  const child = spawnTsx(args, env);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on("data", (d: Buffer) => out.push(d));
  child.stderr!.on("data", (d: Buffer) => err.push(d));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) =>
      resolve({
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        code,
        ms: performance.now() - started,
      }),
    );
  });
}

/** Resolves with the first stdout match of `pattern`; rejects if the process exits first or on timeout. */
export function waitForOutput(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = "";
    let errors = "";
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new Error(`no output matching ${pattern} after ${timeoutMs} ms; stderr: ${errors.slice(-2000)}`),
      );
    }, timeoutMs);
    const onData = (d: Buffer) => {
      seen += d.toString("utf8");
      const match = seen.match(pattern);
      if (match) {
        cleanup();
        resolve(match);
      }
    };
    const onErr = (d: Buffer) => {
      errors += d.toString("utf8");
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(
        new Error(`process exited (${code}) before printing ${pattern}; stderr: ${errors.slice(-2000)}`),
      );
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.stderr!.off("data", onErr);
      child.off("exit", onExit);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onErr);
    child.once("exit", onExit);
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stop(child: ChildProcess, graceMs = 40_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
