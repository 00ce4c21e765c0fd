import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { createDb, dbOptionsFromEnv, migrationsFolder } from "./client.ts";
import { listHistory, recordIntent, startDeployment } from "./queries.ts";
import { openFreshPostgres } from "../../../test/support/test-databases.ts";

describe("createDb", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("points at the committed migrations", () => {
    expect(existsSync(path.join(migrationsFolder, "meta", "_journal.json"))).toBe(true);
  });

  it("selects the driver from the environment", () => {
    expect(dbOptionsFromEnv({ DATABASE_URL: "postgres://u:p@127.0.0.1:5432/d" })).toEqual({
      url: "postgres://u:p@127.0.0.1:5432/d",
    });
    expect(dbOptionsFromEnv({ BOSUN_STATE: "/x/state" })).toEqual({ dataDir: "/x/state/pglite" });
    expect(dbOptionsFromEnv({ DATABASE_URL: " ", BOSUN_STATE: "/s" })).toEqual({ dataDir: "/s/pglite" });
  });

  it("keeps PGlite data in its data dir across opens, migrating once", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "bosun-pglite-"));
    dirs.push(dir);
    const first = await createDb({ dataDir: path.join(dir, "pglite") });
    expect(first.driver).toBe("pglite");
    await startDeployment(first.db, { stack: "demo", kind: "apply", actor: "ci" });
    await first.close();
    await first.close(); // idempotent

    const second = await createDb({ dataDir: path.join(dir, "pglite") });
    expect((await listHistory(second.db, { stack: "demo" })).map((d) => d.kind)).toEqual(["apply"]);
    await second.close();
  });

  it("makes the PGlite data folder owner-only (0700)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "bosun-pglite-"));
    dirs.push(dir);
    const dataDir = path.join(dir, "state", "pglite");
    // The folder's mode must not depend on a strict umask of whoever runs the test.
    const umask = process.umask(0o022);
    try {
      const handle = await createDb({ dataDir });
      await handle.close();
    } finally {
      process.umask(umask);
    }
    expect((statSync(dataDir).mode & 0o777).toString(8)).toBe("700");
  });

  it("uses a PGlite client it is given and leaves it open", async () => {
    const client = await PGlite.create();
    const handle = await createDb({ client });
    await recordIntent(handle.db, { stack: "s", text: "t", source: "test", actor: "a" });
    await handle.close();
    expect(client.closed).toBe(false);
    // Migrating an already migrated database is a no-op.
    const again = await createDb({ client });
    await again.close();
    await client.close();
  });

  // Needs BOSUN_TEST_DATABASE_URL (the PostgreSQL setup starts). Skipped only outside scripts/with-env.sh;
  // npm test always sets it, and scripts/test.sh fails a CI run that skipped anything.
  it.skipIf(!process.env["BOSUN_TEST_DATABASE_URL"])("opens PostgreSQL from a URL, migrating concurrently opened handles once", async () => {
    const fresh = await openFreshPostgres(process.env["BOSUN_TEST_DATABASE_URL"] ?? "");
    try {
      expect(fresh.driver).toBe("pg");
      await startDeployment(fresh.db, { stack: "demo", kind: "refresh", actor: "ci" });
      expect(await listHistory(fresh.db, { stack: "demo" })).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  // Needs BOSUN_TEST_DATABASE_URL (the PostgreSQL setup starts). Skipped only outside scripts/with-env.sh;
  // npm test always sets it, and scripts/test.sh fails a CI run that skipped anything.
  it.skipIf(!process.env["BOSUN_TEST_DATABASE_URL"])("serializes the migrations of processes opening a new database at once", async () => {
    const empty = await openFreshPostgres(process.env["BOSUN_TEST_DATABASE_URL"] ?? "", { migrate: false });
    try {
      const handles = await Promise.all([1, 2, 3].map(() => createDb({ url: empty.url, maxConnections: 2 })));
      await startDeployment(handles[0]!.db, { stack: "demo", kind: "apply", actor: "ci" });
      expect(await listHistory(handles[2]!.db, { stack: "demo" })).toHaveLength(1);
      await Promise.all(handles.map((h) => h.close()));
    } finally {
      await empty.close();
    }
  });
});
