// Test helper run as a child process: plans and applies a spec on a stack,
// printing "STARTED" when the update begins, so a test can kill it mid-apply.
import { createDb } from "../../mcp-server/src/db/client.ts";
import { createLockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";

const [stack, databaseUrl, specJson, leaseMs] = process.argv.slice(2);
const handle = await createDb({ url: databaseUrl ?? "" });
const orch = createOrchestrator({ db: handle.db, locks: createLockManager(), leaseMs: Number(leaseMs ?? 30_000) });
const plan = await orch.plan({ stack: stack ?? "", spec: JSON.parse(specJson ?? "{}"), actor: "child" });
await orch.apply({ planId: plan.planId, actor: "child", onProgress: (e) => e.kind === "resource-pre" && console.log("STARTED") });
console.log("FINISHED");
