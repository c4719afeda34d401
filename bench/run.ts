/**
 * Every benchmark, one after the other, each in its own process: `npm run bench`.
 * `--quick` runs smaller sizes (1,000 accounts, 300 text and 50 image posts) for a smoke test.
 */
import { spawnSync } from "node:child_process";
import { ROOT } from "./lib/report.js";

const quick = process.argv.includes("--quick");
const steps: string[][] = [
  ["bench/scale.ts", ...(quick ? ["--accounts", "1000"] : [])],
  ["bench/burst.ts", ...(quick ? ["--text-posts", "300", "--image-posts", "50"] : [])],
  ["bench/original.ts", ...(quick ? ["--text-posts", "300", "--image-posts", "50"] : [])],
];
let failed = 0;
for (const step of steps) {
  console.log(`\n=== npx tsx ${step.join(" ")}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", ...step], { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.error(`${step[0]} failed (exit ${result.status ?? result.signal})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
