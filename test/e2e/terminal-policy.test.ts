// Terminal parity: `pulumi preview --policy-pack policy` in a terminal is refused
// by the same rule, with the same finding, as bosun's plan of the same spec; a
// `pulumi up` run outside bosun shows up in bosun's history as "terminal", and
// bosun's drift check agrees with the terminal's refresh preview; no pulumi run
// prints a warning of bosun's own making. Real CLI, pack, engine and simulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createDb, type DbHandle } from "../../mcp-server/src/db/client.ts";
import { createLockManager, type LockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";
import type { Orchestrator } from "../../mcp-server/src/orchestrator/types.ts";
import { createTerminalImporter, stackUpdates } from "../../mcp-server/src/orchestrator/terminal.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../support/test-stack.ts";

let sim: Simulator;
let test: TestStack;
let handle: DbHandle;
let locks: LockManager;
let orch: Orchestrator;

const network = { games: { vlan: 47, subnet: "10.47.0.0/24", description: "games" } };
const tooBig = { version: 1, networks: network, services: { big: { image: "bosun/echo-server:1", network: "games", memoryMb: 30000 } } };

function pulumi(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      "pulumi",
      [...args, "--stack", test.name, "--non-interactive", "--color", "never"],
      { cwd: REPO_ROOT, timeout: 300_000, maxBuffer: 32 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}
const setSpec = (spec: object) => test.stack.setConfig("bosun:spec", { value: JSON.stringify(spec) });

beforeAll(async () => {
  sim = await startSimulator({ apiKey: "term-key", apiSecret: "term-secret-value-24680", assignVlans: { "47": "10.47.0.1/24" } });
  test = await createTestStack("term", sim);
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

describe("pulumi in a terminal and bosun agree", () => {
  it("refuses a policy violation in a terminal preview with the finding bosun's plan shows", async () => {
    await setSpec(tooBig);
    const terminal = await pulumi(["preview", "--policy-pack", "policy"]);
    expect(terminal.code).not.toBe(0);
    expect(terminal.out).toMatch(/\[mandatory\]\s+deny\s+\(pulumi-nodejs:dynamic\/docker:Container: big-app-container\)/);
    const line = /resource-ceilings: (container \S+ asks for 30000 MiB[^\n]*)/.exec(terminal.out);
    expect(line).not.toBeNull();
    expect(terminal.out).not.toMatch(/from \$PATH/);

    const plan = await orch.plan({ stack: test.name, spec: tooBig, actor: "parity-test" });
    expect(plan.review.decision).toBe("deny");
    expect(plan.review.findings.filter((f) => f.level === "deny")).toEqual([
      { rule: "resource-ceilings", level: "deny", message: line?.[1]?.trim(), urn: expect.stringContaining("big-app-container"), name: "big-app-container" },
    ]);
  });

  it("shows a terminal `pulumi up` in bosun's history, and both see the same drift", async () => {
    await setSpec({ version: 1, networks: network });
    const up = await pulumi(["up", "--yes", "--skip-preview", "--policy-pack", "policy"]);
    expect(up.out).not.toMatch(/from \$PATH|error:/);
    expect(up.code).toBe(0);

    // Fifty reads at once after the update (many people, a dashboard): the update history is read once, and each read learns of the one update.
    let reads = 0;
    const read = stackUpdates({ workDir: REPO_ROOT, env: {} });
    const importer = createTerminalImporter({ db: handle.db, workDir: REPO_ROOT, env: {} }, (stack) => {
      reads += 1;
      return read(stack);
    });
    const added = await Promise.all(Array.from({ length: 50 }, () => importer(test.name)));
    expect(reads).toBe(1);
    expect(added).toEqual(Array(50).fill(1));

    const history = await orch.history(test.name);
    expect(history.filter((d) => d.actor === "terminal")).toEqual([
      expect.objectContaining({ kind: "apply", status: "succeeded", counts: expect.objectContaining({ create: expect.any(Number) }) }),
    ]);
    // Read again: imported once.
    expect((await orch.history(test.name)).filter((d) => d.actor === "terminal")).toHaveLength(1);

    expect((await orch.drift({ stack: test.name, actor: "parity-test" })).drifted).toEqual([]);
    expect((await pulumi(["preview", "--refresh", "--expect-no-changes", "--policy-pack", "policy"])).code).toBe(0);

    // A change made on the box: both report it.
    const [uuid] = Object.keys(sim.items("vlans"));
    sim.store.mutate({ collection: "vlans", op: "set", uuid, item: { descr: "changed by hand" } });
    const drift = await orch.drift({ stack: test.name, actor: "parity-test" });
    expect(drift.drifted.map((c) => c.name)).toContain("games-vlan");
    const refresh = await pulumi(["preview", "--refresh", "--expect-no-changes", "--policy-pack", "policy"]);
    expect(refresh.code).not.toBe(0);
    expect(refresh.out).toMatch(/games-vlan/);
  });
});
