// A bosun process killed in the middle of an apply: while its lease is fresh,
// another process leaves the deployment alone; once the lease lapses it marks
// it interrupted, clears the stack's pending operations, refreshes, finishes
// the approved change (or rolls it back), and the stack takes updates again.
// Needs the real PostgreSQL (the killed process and this one share the log).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator } from "../../../providers/opnsense-dynamic/simulator/server.ts";
import { openFreshPostgres } from "../../../test/support/test-databases.ts";
import { reapOrphanedPluginsSoon } from "../../../test/support/orphans.ts";
import type { DbHandle } from "../db/client.ts";
import { listHistory } from "../db/queries.ts";
import { createLockManager } from "../coordination/locks.ts";
import { createOrchestrator } from "./index.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../../../test/support/test-stack.ts";

const child = fileURLToPath(new URL("../../../test/support/apply-child.ts", import.meta.url));
const databaseUrl = process.env["BOSUN_TEST_DATABASE_URL"];
const LEASE_MS = 3_000;
const spec = (vlan: number) => ({ version: 1, networks: { lab: { vlan, subnet: `10.31.${vlan - 300}.0/24` } } });

// Needs BOSUN_TEST_DATABASE_URL: the crashed child and the recovering parent share one real PostgreSQL.
// Skipped only outside scripts/with-env.sh; npm test always sets it, and scripts/test.sh fails a CI run
// that skipped anything.
describe.skipIf(!databaseUrl)("recovery after a crash mid-apply", () => {
  let sim: Simulator;
  let test: TestStack;
  let handle: DbHandle & { url: string };
  beforeAll(async () => {
    sim = await startSimulator({ apiKey: "rec-key", apiSecret: "rec-secret", assignVlans: { "351": "10.31.51.1/24", "352": "10.31.52.1/24" } });
    test = await createTestStack("recover", sim);
    handle = await openFreshPostgres(databaseUrl ?? "");
  });
  afterAll(async () => {
    sim?.faults.clear();
    await test?.remove();
    await handle?.close();
    await sim?.stop();
  });

  it("marks the apply interrupted, recovers the stack, and applies again", async () => {
    // The VLAN create hangs long enough to kill the process while it is in flight.
    sim.faults.add({ path: "/api/interfaces/vlan_settings/add", method: "POST", delayMs: 60_000, status: 500 });
    const proc = spawn(process.execPath, [child, test.name, handle.url, JSON.stringify(spec(351)), String(LEASE_MS)], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on("data", (d: Buffer) => d.toString().includes("STARTED") && resolve());
      proc.on("exit", (code) => reject(new Error(`child exited early (${code})`)));
    });
    await new Promise((r) => setTimeout(r, 1500)); // the provider's call is now in flight
    process.kill(-proc.pid!, "SIGKILL"); // the whole group: node and the pulumi CLI
    await reapOrphanedPluginsSoon(500); // its plugins run in groups of their own
    sim.faults.clear();
    expect((await listHistory(handle.db, { stack: test.name }))[0]?.status).toBe("running");

    const orch = createOrchestrator({ db: handle.db, locks: createLockManager(), workDir: REPO_ROOT, leaseMs: LEASE_MS });
    // Killed a moment ago: its lease has not lapsed yet, so nothing is touched.
    expect(await orch.recover()).toEqual([]);
    expect((await listHistory(handle.db, { stack: test.name }))[0]?.status).toBe("running");
    await new Promise((r) => setTimeout(r, LEASE_MS + 200));
    const recovered = await orch.recover();
    expect(recovered.map((r) => r.stack)).toEqual([test.name]);
    // The approved change is finished: VLAN 351 is live.
    expect(recovered[0]?.outcome).toBe("completed");
    expect(Object.values(sim.items("vlans")).map((v) => v.tag)).toContain("351");
    const history = await listHistory(handle.db, { stack: test.name });
    expect(history.find((d) => d.kind === "apply")?.status).toBe("interrupted");
    expect(history.find((d) => d.kind === "refresh")?.status).toBe("succeeded");
    expect(history.find((d) => d.kind === "recover")?.status).toBe("succeeded");
    expect(history.find((d) => d.kind === "apply")?.error).toMatch(/completed it/);

    const state = await test.stack.exportStack();
    expect((state.deployment as { pending_operations?: unknown[] }).pending_operations ?? []).toHaveLength(0);
    const plan = await orch.plan({ stack: test.name, spec: spec(352), actor: "test" });
    expect((await orch.apply({ planId: plan.planId, actor: "test" })).status).toBe("succeeded");
    expect(Object.values(sim.items("vlans")).map((v) => v.tag)).toContain("352");
  });
});
