// The server the fuzz test attacks, in a process of its own so a crash is
// seen as one: bosun's HTTP transport with every tool, on a throwaway copy of
// the project (one stack, "alpha", never deployed; a backend of its own) and a
// PGlite log on disk that the test reads afterwards. Prints its URL.
// Usage: node test/security/fuzz-server.ts <project dir> <pglite dir> <token>
import { join } from "node:path";
import { createDb } from "../../mcp-server/src/db/client.ts";
import { createLockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";
import { auditedOrchestrator } from "../../mcp-server/src/audit/orchestrator.ts";
import { serveHttp } from "../../mcp-server/src/http.ts";

const [dir = "", dataDir = "", token = ""] = process.argv.slice(2);
const handle = await createDb({ dataDir });
const orchestrator = auditedOrchestrator(
  createOrchestrator({
    db: handle.db,
    locks: createLockManager(),
    workDir: dir,
    stateDir: join(dir, ".state"),
    env: { PULUMI_BACKEND_URL: `file://${join(dir, "backend")}` },
  }),
  handle.db,
);
const http = await serveHttp({
  host: "127.0.0.1",
  port: 0,
  token,
  context: { orchestrator, db: handle.db },
  rateLimit: false, // the fuzz run is one caller sending 10 000 requests; the limit has its own test
  sessions: { max: 1000 },
});
console.log(`READY ${http.url}`);
const stop = async () => {
  await http.close();
  await orchestrator.close();
  await handle.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
