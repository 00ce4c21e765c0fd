// A plan and an apply overlapping on one stack, many times with varied
// timing: whatever the interleaving, the live state (OPNsense simulator and
// Docker) and the stack file equal the approved spec, and the candidate that
// was only previewed is never deployed. Real engine, real Docker, the
// simulator standing in for OPNsense.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { startSimulator, type Simulator } from "../../../providers/opnsense-dynamic/simulator/server.ts";
import { createEngine, parseDockerHost } from "../../../providers/docker-engine/client/engine.ts";
import { specFromStackYaml } from "../../../stacks/model/index.ts";
import { createDb, type DbHandle } from "../db/client.ts";
import { createLockManager, type LockManager } from "../coordination/locks.ts";
import { createOrchestrator } from "./index.ts";
import type { Orchestrator } from "./types.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../../../test/support/test-stack.ts";

const ROUNDS = Number(process.env["BOSUN_OVERLAP_ROUNDS"] ?? 6);
const docker = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));
// Approved specs use VLANs 361/362 in turn; candidates use 369, which must never appear.
const spec = (vlan: number) => ({ version: 1, networks: { lab: { vlan, subnet: `10.36.${vlan - 360}.0/24` } } });
const CANDIDATE = 369;

let sim: Simulator;
let test: TestStack;
let handle: DbHandle;
let locks: LockManager;
let orch: Orchestrator;

beforeAll(async () => {
  sim = await startSimulator({
    apiKey: "ovl-key",
    apiSecret: "ovl-secret-1234",
    assignVlans: { "361": "10.36.1.1/24", "362": "10.36.2.1/24", "369": "10.36.9.1/24" },
  });
  handle = await createDb({ dataDir: "memory" });
  locks = createLockManager();
  test = await createTestStack("overlap", sim);
  orch = createOrchestrator({ db: handle.db, locks, workDir: REPO_ROOT });
});

afterAll(async () => {
  await test?.remove();
  await orch?.close();
  await locks?.close();
  await handle?.close();
  await sim?.stop();
});

async function dockerNetworks(): Promise<string[]> {
  const filter = encodeURIComponent(JSON.stringify({ name: [`^${test.name}-`] }));
  const nets = await docker.json<{ Name: string; IPAM: { Config: { Subnet: string }[] | null } }[]>("GET", `/networks?filters=${filter}`);
  return nets.flatMap((n) => (n.IPAM.Config ?? []).map((c) => c.Subnet));
}

describe("plans and applies overlapping on one stack", () => {
  it(`deploys only what was approved, over ${ROUNDS} rounds of varied timing`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const approved = 361 + (round % 2);
      const plan = await orch.plan({ stack: test.name, spec: spec(approved), actor: "approver" });
      // The candidate's preview starts before, with, or during the approved apply.
      const delay = [0, 50, 300, 800, 1500, 2500][round % 6] ?? 0;
      const applying = orch.apply({ planId: plan.planId, actor: "approver" });
      const previewing = new Promise((r) => setTimeout(r, delay)).then(() => orch.plan({ stack: test.name, spec: spec(CANDIDATE), actor: "someone-else" }));
      const [applied, previewed] = await Promise.allSettled([applying, previewing]);
      expect(applied.status === "fulfilled" && applied.value.status, JSON.stringify(applied)).toBe("succeeded");
      expect(previewed.status, JSON.stringify(previewed)).toBe("fulfilled");

      const file = specFromStackYaml(readFileSync(test.file, "utf8"));
      expect(file.ok && Object.values(file.spec.networks).map((n) => n.vlan)).toEqual([approved]);
      expect(Object.values(sim.items("vlans", "live")).map((v) => Number(v.tag))).toEqual([approved]);
      expect(await dockerNetworks()).toEqual([`10.36.${approved - 360}.0/24`]);
    }
    // Never, in any round, was the candidate on the box: one VLAN made per round, the approved one.
    const adds = Object.entries(sim.calls().byPath)
      .filter(([path]) => /^POST \/api\/interfaces\/vlan_settings\/add/i.test(path))
      .reduce((n, [, c]) => n + c, 0);
    expect(adds).toBe(ROUNDS);
  });
});
