// The engine commands of the CLI as scripts use them: a child process each,
// its own embedded database, real engine and simulator; exit codes 0 ok,
// 2 bad input, 3 needs an answer (an approval), 4 refused by policy, 5 drift,
// and --json. Two people are two tokens of the installation (BOSUN_TOKEN).
// rollback and destroy only plan; bosun apply carries their plans out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator } from "../../../providers/opnsense-dynamic/simulator/server.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../../../test/support/test-stack.ts";

const cli = fileURLToPath(new URL("./main.ts", import.meta.url));
let sim: Simulator;
let test: TestStack;
let state: string;
const tokens: Record<string, string> = {};

function bosun(args: string[], as?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, BOSUN_STATE: state };
  delete env["BOSUN_TOKEN"];
  if (as) env["BOSUN_TOKEN"] = tokens[as];
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: REPO_ROOT, env, timeout: 240_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  sim = await startSimulator({ apiKey: "cmd-key", apiSecret: "cmd-secret-value-55555", assignVlans: { "51": "10.51.0.1/24" } });
  test = await createTestStack("cmd", sim, { "bosun:approval": "two-person" });
  state = mkdtempSync(join(tmpdir(), "bosun-cmd-"));
  for (const who of ["alice", "bob"]) {
    const r = await bosun(["token", "add", who, "--scopes", "read,plan,apply"]);
    tokens[who] = r.stdout.trim().split("\n").pop() ?? "";
  }
});

afterAll(async () => {
  await test?.remove();
  await sim?.stop();
  rmSync(state, { recursive: true, force: true });
});

describe("bosun's engine commands", () => {
  it("refuses bad input with exit 2", async () => {
    expect((await bosun(["apply"])).code).toBe(2);
    const unknown = await bosun(["apply", "plan_nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("there is no plan plan_nope");
    expect((await bosun(["history"])).code).toBe(2);
    expect((await bosun(["drift", "--stack", "no/such"])).code).toBe(2);
  });

  it("plans as alice, needs bob's approval (exit 3 until then), applies, and reads back", async () => {
    const specFile = join(state, "spec.json");
    writeFileSync(specFile, JSON.stringify({ version: 1, networks: { lab: { vlan: 51, subnet: "10.51.0.0/24" } } }));
    const planned = await bosun(["plan", "--stack", test.name, "--spec", specFile, "--json"], "alice");
    expect(planned.stderr).toBe("");
    expect(planned.code).toBe(0);
    const plan = JSON.parse(planned.stdout) as { planId: string; review: { approval: { required: boolean; otherThan?: string } } };
    expect(plan.review.approval).toMatchObject({ required: true, otherThan: "alice" });

    const early = await bosun(["apply", plan.planId], "alice");
    expect(early.code).toBe(3);
    expect(early.stderr).toContain("needs an approval from someone other than alice");
    const self = await bosun(["approve", plan.planId], "alice");
    expect(self.code).toBe(3);
    expect(self.stderr).toContain("needs a second person");
    const byBob = await bosun(["approve", plan.planId, "--note", "looks right", "--json"], "bob");
    expect(byBob.code).toBe(0);
    expect(JSON.parse(byBob.stdout)).toMatchObject({ satisfied: true, approvals: [{ approver: "bob", via: "cli", note: "looks right" }] });

    const applied = await bosun(["apply", plan.planId], "alice");
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`Applied ${plan.planId} to ${test.name}`);
    expect(Object.values(sim.items("vlans")).map((v) => v.tag)).toEqual(["51"]);

    const history = await bosun(["history", "--stack", test.name]);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/apply succeeded by alice/);
    const status = await bosun(["status", test.name, "--json"]);
    expect(status.code).toBe(0);
    expect((JSON.parse(status.stdout) as { resources: { name: string }[] }).resources.map((r) => r.name)).toContain("lab-vlan");
  });

  it("exits 5 when drift is found and 0 when there is none", async () => {
    expect((await bosun(["drift", "--stack", test.name])).code).toBe(0);
    const [uuid] = Object.keys(sim.items("vlans"));
    sim.store.mutate({ collection: "vlans", op: "set", uuid, item: { descr: "edited on the box" } });
    const drift = await bosun(["drift", "--stack", test.name, "--json"]);
    expect(drift.code).toBe(5);
    expect((JSON.parse(drift.stdout) as { drifted: { name: string }[] }).drifted.map((d) => d.name)).toContain("lab-vlan");
  });

  it("exits 4 when policy refuses the plan", async () => {
    const specFile = join(state, "big.json");
    const spec = {
      version: 1,
      networks: { lab: { vlan: 51, subnet: "10.51.0.0/24" } },
      services: { big: { image: "bosun/echo-server:1", network: "lab", memoryMb: 40000 } },
    };
    writeFileSync(specFile, JSON.stringify(spec));
    const r = await bosun(["plan", "--stack", test.name, "--spec", specFile]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/deny\s+resource-ceilings: container \S+ asks for 40000 MiB/);
    expect(r.stdout).toContain("Policy refused this plan");
  });

  it("plans a destroy and a rollback without changing anything; only bosun apply carries each out, once approved", async () => {
    const vlans = () => Object.values(sim.items("vlans")).map((v) => v.tag);
    const planIdOf = (stdout: string) => /^Plan (plan_\S+) for stack/m.exec(stdout)?.[1] ?? "";
    const history = JSON.parse((await bosun(["history", "--stack", test.name, "--json"])).stdout) as { id: string; kind: string; status: string }[];
    const deployed = history.find((d) => d.kind === "apply" && d.status === "succeeded");
    expect(deployed).toBeDefined();

    // Neither takes --apply or --yes: a destroy or a rollback is never carried out by the command that plans it.
    const eager = await bosun(["destroy", "--stack", test.name, "--apply", "--yes"], "alice");
    expect(eager.code).toBe(2);
    expect(eager.stderr).toContain("--apply");
    expect((await bosun(["rollback", "--stack", test.name, "--deployment", deployed!.id, "--yes"], "alice")).code).toBe(2);
    expect((await bosun(["rollback", "--stack", test.name], "alice")).stderr).toContain("give exactly one of --deployment or --at");
    expect(vlans()).toEqual(["51"]);

    const destroy = await bosun(["destroy", "--stack", test.name], "alice");
    expect(destroy.stderr).toBe("");
    expect(destroy.code).toBe(0);
    expect(destroy.stdout).toMatch(/- delete\s+lab-vlan/);
    const destroyId = planIdOf(destroy.stdout);
    expect(destroy.stdout).toContain(`Nothing changed. Approve it (bosun approve ${destroyId}), then run bosun apply ${destroyId}.`);
    expect(vlans()).toEqual(["51"]);
    expect((await bosun(["approve", destroyId], "bob")).code).toBe(0);
    const destroyed = await bosun(["apply", destroyId], "alice");
    expect(destroyed.stderr).toBe("");
    expect(destroyed.code).toBe(0);
    expect(vlans()).toEqual([]);

    const rollback = await bosun(["rollback", "--stack", test.name, "--deployment", deployed!.id, "--json"], "alice");
    expect(rollback.stderr).toBe("");
    expect(rollback.code).toBe(0);
    const plan = JSON.parse(rollback.stdout) as { planId: string; kind: string; changes: { op: string; name: string }[] };
    expect(plan.kind).toBe("rollback");
    expect(plan.changes).toContainEqual(expect.objectContaining({ op: "create", name: "lab-vlan" }));
    expect(vlans()).toEqual([]);
    expect((await bosun(["apply", plan.planId], "alice")).code).toBe(3); // two-person: bob has not approved it yet
    expect((await bosun(["approve", plan.planId], "bob")).code).toBe(0);
    const restored = await bosun(["apply", plan.planId], "alice");
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    expect(vlans()).toEqual(["51"]);
  });
});
