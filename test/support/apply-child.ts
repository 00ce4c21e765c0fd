// Test helper run as a child process, so a test can kill it mid-apply:
//   apply-child.ts <stack> <databaseUrl> <specJson> [leaseMs]    plans the spec and applies it
//   apply-child.ts --apply <stack> <databaseUrl> <planId> [leaseMs]  applies an existing plan
// It prints "STARTED" when the update begins, "STEP <n>" after each finished
// resource step, and "FINISHED" at the end.
import { createDb } from "../../mcp-server/src/db/client.ts";
import { createLockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";

const args = process.argv.slice(2);
const existing = args[0] === "--apply";
const [stack, databaseUrl, specOrPlan, leaseMs] = existing ? args.slice(1) : args;
const handle = await createDb({ url: databaseUrl ?? "" });
const orch = createOrchestrator({ db: handle.db, locks: createLockManager(), leaseMs: Number(leaseMs ?? 30_000) });
const planId = existing ? (specOrPlan ?? "") : (await orch.plan({ stack: stack ?? "", spec: JSON.parse(specOrPlan ?? "{}"), actor: "child" })).planId;
let started = false;
await orch.apply({
  planId,
  actor: "child",
  onProgress: (e) => {
    if (e.kind === "resource-pre" && !started) {
      started = true;
      console.log("STARTED");
    }
    if (e.kind === "resource-outputs") console.log(`STEP ${e.done}`);
  },
});
console.log("FINISHED");
