import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    allowOnly: !process.env.CI,
    pool: "forks",
    // Drops the databases that failed tests kept (test/helpers/db.ts) once they are a day old.
    globalSetup: ["test/helpers/global-setup.ts"],
  },
});
