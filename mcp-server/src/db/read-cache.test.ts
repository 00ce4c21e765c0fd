// The read cache over a real PGlite database (in memory): answered from memory
// until the next write, never older than a write that began before the read,
// and no cache where others may write (a client passed in, PostgreSQL).
import { PGlite } from "@electric-sql/pglite";
import { afterEach, describe, expect, it } from "vitest";
import { createDb, type DbHandle } from "./client.ts";
import { expirePlans, listHistoryLines, purgePlanArtifacts, recordPlan, startDeployment } from "./queries.ts";
import { createReadCache } from "./read-cache.ts";
import { openFreshPostgres } from "../../../test/support/test-databases.ts";

const handles: DbHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
});

async function open(options: Parameters<typeof createDb>[0] = { dataDir: "memory" }) {
  const h = await createDb(options);
  handles.push(h);
  return h;
}

/** A reader that counts how often it reached the database. */
function reader(db: DbHandle["db"]) {
  const cache = createReadCache(db);
  let loads = 0;
  return {
    read: () =>
      cache.get("demo", async () => {
        loads++;
        return (await listHistoryLines(db, "demo", 10)).map((d) => d.kind);
      }),
    loads: () => loads,
  };
}

describe("read cache", () => {
  it("answers from memory until the next write, then reads again", async () => {
    const { db } = await open();
    const r = reader(db);
    await startDeployment(db, { stack: "demo", kind: "apply", actor: "a" });
    expect(await r.read()).toEqual(["apply"]);
    expect(await r.read()).toEqual(["apply"]);
    expect(r.loads()).toBe(1);
    await startDeployment(db, { stack: "demo", kind: "destroy", actor: "a" });
    expect(await r.read()).toEqual(["destroy", "apply"]);
    expect(r.loads()).toBe(2);
  });

  it("shares one read among callers who ask at once", async () => {
    const { db } = await open();
    const r = reader(db);
    const all = await Promise.all(Array.from({ length: 20 }, () => r.read()));
    expect(all.every((x) => x.length === 0)).toBe(true);
    expect(r.loads()).toBe(1);
  });

  it("never keeps what was read while a write ran, and never answers older than a write that began", async () => {
    const { db } = await open();
    const r = reader(db);
    expect(await r.read()).toEqual([]);
    let inserted!: () => void;
    let release!: () => void;
    const began = new Promise<void>((resolve) => (inserted = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const writing = db.transaction(async (tx) => {
      await startDeployment(tx as unknown as typeof db, { stack: "demo", kind: "apply", actor: "a" });
      inserted();
      await gate;
    });
    await began;
    // Asked while the write runs: they wait for it, then share one read, kept for the next caller.
    const during = Array.from({ length: 20 }, () => r.read());
    release();
    await writing;
    for (const d of during) expect(await d).toEqual(["apply"]);
    expect(await r.read()).toEqual(["apply"]);
    expect(r.loads()).toBe(2); // before, and once for everybody after the write
  });

  it("drops what was read before a write that changed rows, even a read still under way", async () => {
    const { db } = await open();
    const r = reader(db);
    const before = r.read(); // under way while the insert begins
    await startDeployment(db, { stack: "demo", kind: "apply", actor: "a" });
    await before;
    expect(await r.read()).toEqual(["apply"]);
    expect(r.loads()).toBe(2);
  });

  it("keeps what was read across an INSERT, UPDATE or DELETE that touched no row", async () => {
    const { db } = await open();
    const r = reader(db);
    await startDeployment(db, { stack: "demo", kind: "apply", actor: "a" });
    expect(await r.read()).toEqual(["apply"]);
    // The periodic sweep: nothing to expire, nothing to purge.
    expect(await expirePlans(db, new Date())).toBe(0);
    expect(await purgePlanArtifacts(db)).toBe(0);
    expect(await r.read()).toEqual(["apply"]);
    expect(r.loads()).toBe(1);
    // A plan past its time is expired: a change, read again.
    const cache = createReadCache(db);
    const statuses = () => cache.get("statuses", async () => (await listHistoryLines(db, "demo", 10)).map((d) => d.status));
    await recordPlan(db, { stack: "demo", actor: "a", planId: "p-1", expiresAt: new Date(Date.now() - 1000) });
    expect(await statuses()).toEqual(["planned", "running"]);
    expect(await expirePlans(db, new Date())).toBe(1);
    expect(await statuses()).toEqual(["expired", "running"]);
  });

  it("does not cache over a client passed in, which others may write to directly", async () => {
    const client = new PGlite();
    const { db } = await open({ client });
    const r = reader(db);
    expect(await r.read()).toEqual([]);
    await startDeployment(db, { stack: "demo", kind: "apply", actor: "a" });
    expect(await r.read()).toEqual(["apply"]);
    expect(r.loads()).toBe(2);
    await client.close();
  });

  it.skipIf(!process.env["BOSUN_TEST_DATABASE_URL"])("does not cache on PostgreSQL, which other processes write to", async () => {
    const h = await openFreshPostgres(process.env["BOSUN_TEST_DATABASE_URL"] ?? "");
    handles.push(h);
    const r = reader(h.db);
    await r.read();
    await r.read();
    expect(r.loads()).toBe(2);
  });
});
