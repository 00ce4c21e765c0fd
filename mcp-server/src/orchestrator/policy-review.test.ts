// A policy finding at level "review" holds the apply until someone approves it,
// in any approval mode (this stack's is auto): on a throwaway bosun project
// whose policy.yaml protects the test stack's VLANs (protected-resources),
// creating the VLAN applies at once; deleting it is refused until approved,
// then applies. Real engine and policy rules, OPNsense simulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { startSimulator, type Simulator } from "../../../providers/opnsense-dynamic/simulator/server.ts";
import { createDb, type DbHandle } from "../db/client.ts";
import { createLockManager, type LockManager } from "../coordination/locks.ts";
import { REPO_ROOT } from "../../../test/support/test-stack.ts";
import { createThrowawayProject, type ThrowawayProject } from "../../../test/support/throwaway-project.ts";
import { createOrchestrator } from "./index.ts";
import { BosunError, type Orchestrator } from "./types.ts";

const stack = `test-protect-${randomBytes(3).toString("hex")}`;
const lab = { vlan: 58, subnet: "10.58.0.0/24", description: "lab" };
let sim: Simulator;
let project: ThrowawayProject;
let handle: DbHandle;
let locks: LockManager;
let orch: Orchestrator;

beforeAll(async () => {
  sim = await startSimulator({ apiKey: "prot-key", apiSecret: "prot-secret-value-24680", assignVlans: { "58": "10.58.0.1/24" } });
  project = createThrowawayProject({});
  // The installation's settings, with this test's stacks' VLANs protected as policy.yaml protects the demo's.
  const settings = readFileSync(join(REPO_ROOT, "policy", "policy.yaml"), "utf8");
  expect(settings).toMatch(/^protected:\n/m);
  project.write(
    "policy/policy.yaml",
    settings.replace(/^protected:\n/m, `protected:\n  - { stack: "test-protect-*", type: "opnsense:Vlan", reason: "every device of the lab hangs off it" }\n`),
  );
  const pulumiCommand = await PulumiCommand.get({ root: join(REPO_ROOT, ".tools", "pulumi"), skipVersionCheck: true });
  const s = await LocalWorkspace.createStack({ stackName: stack, workDir: project.dir }, { pulumiCommand, envVars: project.env });
  await s.setAllConfig({
    "bosun:spec": { value: JSON.stringify({ version: 1 }) },
    "opnsense:url": { value: sim.url },
    "opnsense:apiKey": { value: sim.apiKey },
    "opnsense:apiSecret": { value: sim.apiSecret, secret: true },
    "opnsense:caPem": { value: sim.caPem },
  });
  handle = await createDb({ dataDir: "memory" });
  locks = createLockManager({});
  orch = createOrchestrator({ db: handle.db, locks, workDir: project.dir, env: project.env, stateDir: join(project.dir, ".state") });
});

afterAll(async () => {
  await orch?.close();
  await project?.remove();
  await locks?.close();
  await handle?.close();
  await sim?.stop();
});

describe("a review-level policy finding", () => {
  it("is not raised by creating the protected resource, which applies at once", async () => {
    const plan = await orch.plan({ stack, spec: { version: 1, networks: { lab } }, actor: "alice" });
    expect(plan.review).toMatchObject({ decision: "allow", approval: { mode: "auto", required: false, reasons: [] } });
    const r = await orch.apply({ planId: plan.planId, actor: "alice" });
    expect(r.error ?? "").toBe("");
    expect(r.status).toBe("succeeded");
    expect(Object.values(sim.items("vlans")).map((v) => v.tag)).toEqual(["58"]);
  });

  it("holds the delete of a protected resource until it is approved, then applies it", async () => {
    const plan = await orch.plan({ stack, spec: { version: 1 }, actor: "alice" });
    expect(plan.review.decision).toBe("review");
    expect(plan.review.findings).toContainEqual(
      expect.objectContaining({
        rule: "protected-resources",
        level: "review",
        message: "deletes protected opnsense:Vlan lab-vlan (every device of the lab hangs off it)",
      }),
    );
    expect(plan.review.approval).toMatchObject({ mode: "auto", required: true });
    expect(plan.review.approval.reasons).toContain(
      "policy protected-resources: deletes protected opnsense:Vlan lab-vlan (every device of the lab hangs off it)",
    );
    expect(plan.text).toContain(`Needs an approval before apply`);

    const refused = await orch.apply({ planId: plan.planId, actor: "alice" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(BosunError);
    expect((refused as BosunError).code).toBe("needs-approval");
    expect((refused as BosunError).message).toContain(
      `plan ${plan.planId} needs an approval before it is applied: policy protected-resources: deletes protected`,
    );
    expect(Object.values(sim.items("vlans")).map((v) => v.tag)).toEqual(["58"]);
    expect(await orch.approvalStatus(plan.planId)).toMatchObject({ decision: "review", required: true, satisfied: false, approvals: [] });

    const approved = await orch.approve({ planId: plan.planId, actor: "bob", via: "cli" });
    expect(approved).toMatchObject({ satisfied: true, approvals: [{ approver: "bob", via: "cli" }] });
    const done = await orch.apply({ planId: plan.planId, actor: "alice" });
    expect(done.error ?? "").toBe("");
    expect(done.status).toBe("succeeded");
    expect(Object.values(sim.items("vlans"))).toHaveLength(0);
  });
});
