// Git as the record, on a throwaway bosun project in a git repository of its
// own: in "commit" mode an applied change becomes a commit by the token that
// applied it, with the intent and the plan's summary as message; in
// "pull-request" mode the plan goes onto a branch pushed to the remote instead
// of being applied, and the working tree is left as it was. Real engine and
// OPNsense simulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { startSimulator, type Simulator } from "../../../providers/opnsense-dynamic/simulator/server.ts";
import { createDb, type DbHandle } from "../db/client.ts";
import { listHistory } from "../db/queries.ts";
import { createLockManager, type LockManager } from "../coordination/locks.ts";
import { REPO_ROOT } from "../../../test/support/test-stack.ts";
import { createThrowawayProject, type ThrowawayProject } from "../../../test/support/throwaway-project.ts";
import { createOrchestrator } from "./index.ts";

const stack = `test-git-${randomBytes(3).toString("hex")}`;
const file = `stacks/Pulumi.${stack}.yaml`;
const net = (vlan: number) => ({ vlan, subnet: `10.${vlan}.0.0/24`, description: `lab ${vlan}` });
let sim: Simulator;
let project: ThrowawayProject;
let remote: string;
let handle: DbHandle;
let locks: LockManager;

beforeAll(async () => {
  sim = await startSimulator({ apiKey: "git-key", apiSecret: "git-secret-value-11223", assignVlans: { "48": "10.48.0.1/24", "49": "10.49.0.1/24" } });
  project = createThrowawayProject({});
  const pulumiCommand = await PulumiCommand.get({ root: join(REPO_ROOT, ".tools", "pulumi"), skipVersionCheck: true });
  const s = await LocalWorkspace.createStack({ stackName: stack, workDir: project.dir }, { pulumiCommand, envVars: project.env });
  await s.setAllConfig({
    "bosun:spec": { value: JSON.stringify({ version: 1 }) },
    "opnsense:url": { value: sim.url },
    "opnsense:apiKey": { value: sim.apiKey },
    "opnsense:apiSecret": { value: sim.apiSecret, secret: true },
    "opnsense:caPem": { value: sim.caPem },
  });
  project.git("add", file);
  project.git("commit", "-q", "-m", `Add stack ${stack}`);
  remote = mkdtempSync(join(tmpdir(), "bosun-remote-"));
  execFileSync("git", ["init", "-q", "--bare", remote]);
  project.git("remote", "add", "origin", remote);
  handle = await createDb({ dataDir: "memory" });
  locks = createLockManager({});
});

afterAll(async () => {
  await project?.remove();
  rmSync(remote, { recursive: true, force: true });
  await locks?.close();
  await handle?.close();
  await sim?.stop();
});

const orchestrator = (gitRecord: "commit" | "pull-request") =>
  createOrchestrator({ db: handle.db, locks, workDir: project.dir, env: project.env, stateDir: join(project.dir, ".state"), gitRecord });

describe("git as the record", () => {
  it("commits an applied change, authored by the token, with the intent and the summary", async () => {
    const orch = orchestrator("commit");
    try {
      const plan = await orch.plan({ stack, spec: { version: 1, networks: { lab: net(48) } }, actor: "alice", intent: "Add a lab network on VLAN 48" });
      const r = await orch.apply({ planId: plan.planId, actor: "alice" });
      expect(r.status).toBe("succeeded");
      expect(r.commit).toBe(project.git("rev-parse", "HEAD"));
      expect(project.git("log", "-1", "--format=%an|%s")).toBe("alice|Add a lab network on VLAN 48");
      const body = project.git("log", "-1", "--format=%b");
      expect(body).toContain(`(stack ${stack}, plan ${plan.planId}, by alice)`);
      expect(body).toMatch(/\d+ to create/);
      expect(body).toMatch(/create lab-vlan \[opnsense:Vlan\]/);
      expect(project.git("status", "--porcelain", "--", file)).toBe("");
      expect(project.git("show", `HEAD:${file}`)).toContain("vlan: 48");
    } finally {
      await orch.close();
    }
  });

  it("in pull-request mode puts the plan on a pushed branch instead of applying it", async () => {
    const orch = orchestrator("pull-request");
    try {
      const before = readFileSync(join(project.dir, file), "utf8");
      const head = project.git("rev-parse", "HEAD");
      const plan = await orch.plan({ stack, spec: { version: 1, networks: { lab: net(48), lab2: net(49) } }, actor: "bob", intent: "Another lab on VLAN 49" });
      const r = await orch.apply({ planId: plan.planId, actor: "bob" });
      expect(r.status).toBe("proposed");
      const branch = r.proposal?.branch ?? "";
      expect(branch).toMatch(new RegExp(`^bosun/${stack}-`));
      expect(r.proposal).toMatchObject({ pushed: true, commit: execFileSync("git", ["-C", remote, "rev-parse", branch], { encoding: "utf8" }).trim() });
      expect(project.git("show", `${branch}:${file}`)).toContain("vlan: 49");
      expect(project.git("log", "-1", "--format=%an|%s|%P", branch)).toBe(`bob|Another lab on VLAN 49|${head}`);
      // Nothing applied, nothing in the working tree or on the current branch moved.
      expect(Object.values(sim.items("vlans")).map((v) => v.tag)).toEqual(["48"]);
      expect(readFileSync(join(project.dir, file), "utf8")).toBe(before);
      expect(project.git("rev-parse", "HEAD")).toBe(head);
      const [row] = await listHistory(handle.db, { stack, limit: 1 });
      expect(row).toMatchObject({ planId: plan.planId, status: "cancelled" });
      expect(row?.error).toContain(`proposed as branch ${branch}`);
    } finally {
      await orch.close();
    }
  });
});
