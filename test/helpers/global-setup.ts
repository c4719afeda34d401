/** Once per `vitest run`, before any test file: the databases failed tests kept more than a day ago go. */
import { dropStaleTestDatabases, KEEP_MS } from "./kept-databases.js";

export default async function dropStaleDatabases(): Promise<void> {
  const { schemas, dirs } = await dropStaleTestDatabases();
  const dropped = schemas.length + dirs.length;
  if (dropped > 0) {
    console.log(
      `dropped ${schemas.length} PostgreSQL schema(s) and ${dirs.length} SQLite folder(s) kept by failed tests over ${KEEP_MS / 3_600_000} h ago`,
    );
  }
}
