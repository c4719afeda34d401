import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium (`apt-get install -y chromium`); never a downloaded browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const chromiumAvailable = existsSync(CHROMIUM_PATH);

if (!chromiumAvailable) {
  if (process.env.CI === "true") {
    throw new Error(`CI=true but Chromium is not at ${CHROMIUM_PATH}: .ci/run installs it with apt-get.`);
  }
  console.warn(
    `Chromium is not at ${CHROMIUM_PATH}: skipping the browser tests. Enable them with \`sudo apt-get install -y chromium\` (or set CHROMIUM_PATH).`,
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}
