// A new segment on OPNsense before 26.7, whose API cannot assign a VLAN as an
// interface: the apply stops at the assignment with the UI steps and keeps the
// VLAN it made (a rollback would delete the very device the steps name); once
// the person has assigned it, a plan of the same change goes on from there.
// Real engine; the OPNsense simulator plays 26.1 (no box can run here) with no
// simulated person, so nothing assigns the VLAN until the test does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../../providers/opnsense-dynamic/simulator/server.ts";
import { createDb, type DbHandle } from "../db/client.ts";
import { listHistory } from "../db/queries.ts";
import { createLockManager, type LockManager } from "../coordination/locks.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../../../test/support/test-stack.ts";
import { createOrchestrator } from "./index.ts";
import type { Orchestrator } from "./types.ts";

let sim: Simulator;
let test: TestStack;
let handle: DbHandle;
let locks: LockManager;
let orch: Orchestrator;

// No DHCP, so the only interface-bound parts are the assignment and the segment's rules.
const spec = { version: 1, networks: { lab: { vlan: 59, subnet: "10.59.0.0/24", description: "lab", dhcp: { enabled: false } } } };

beforeAll(async () => {
  sim = await startSimulator({ apiKey: "manual-key", apiSecret: "manual-secret-value-13579", version: "26.1" });
  test = await createTestStack("manual", sim);
  handle = await createDb({ dataDir: "memory" });
  locks = createLockManager({});
  orch = createOrchestrator({ db: handle.db, locks, workDir: REPO_ROOT });
});

afterAll(async () => {
  await test?.remove();
  await orch?.close();
  await locks?.close();
  await handle?.close();
  await sim?.stop();
});

describe("a new segment before 26.7 (the assignment is a UI step)", () => {
  let vlanUuid = "";

  it("stops at the assignment with the UI steps, and keeps the VLAN for them instead of rolling back", async () => {
    const plan = await orch.plan({ stack: test.name, spec, actor: "manual-test" });
    const r = await orch.apply({ planId: plan.planId, actor: "manual-test" });
    expect(r.status).toBe("failed");
    expect(r.rollback).toBeUndefined();
    expect(r.error).toMatch(/is not assigned as an OPNsense interface, and the API cannot do this step/);
    expect(r.error).toContain("Nothing was rolled back");
    const vlans = Object.entries(sim.items("vlans", "live"));
    expect(vlans.map(([, v]) => v.tag)).toEqual(["59"]);
    vlanUuid = vlans[0]?.[0] ?? "";
    // The steps name the VLAN's device, which is still there to be picked.
    expect(r.error).toContain(`1. Interfaces → Assignments: under "Assign a new interface", pick ${vlans[0]?.[1].vlanif}`);
    const history = await listHistory(handle.db, { stack: test.name, limit: 5 });
    expect(history.map((d) => [d.kind, d.status])).toEqual([["apply", "failed"]]);
    expect(history.some((d) => d.kind === "rollback")).toBe(false);
  });

  it("goes on once the person has assigned it: the same change applies, the VLAN kept", async () => {
    const device = Object.values(sim.items("vlans", "live"))[0]?.vlanif ?? "";
    expect(device).not.toBe("");
    sim.store.assignInterface({ identifier: "opt1", device, description: "lab", addr4: "10.59.0.1/24" });
    const plan = await orch.plan({ stack: test.name, spec, actor: "manual-test" });
    expect(plan.changes.some((c) => c.type.endsWith("opnsense:Vlan") && c.op !== "same")).toBe(false);
    const r = await orch.apply({ planId: plan.planId, actor: "manual-test" });
    expect(r.status, r.error).toBe("succeeded");
    expect(Object.keys(sim.items("vlans", "live"))).toEqual([vlanUuid]);
    const rules = Object.values(sim.items("rules", "live")).filter((rule) => rule.interface === "opt1");
    expect(rules.length).toBeGreaterThan(0);
  });
});
