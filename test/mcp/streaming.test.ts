// A call's answer stream over streamable HTTP: the server holds a response's
// first bytes until its event loop turns once (so a quick read leaves in one
// write), and a long call's progress must still reach the client while the
// call runs, not all at its end. Real engine, OPNsense simulator, PGlite; a
// networks-only spec (where no Docker engine runs, its apply rolls back, still
// streaming its progress).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createDb, type DbHandle } from "../../mcp-server/src/db/client.ts";
import { createLockManager, type LockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../support/test-stack.ts";
import { serveHttp } from "../../mcp-server/src/http.ts";
import { tokenVerifier } from "../../mcp-server/src/auth/tokens.ts";

const OPS = "streaming-ops-token-0123456789";
let sim: Simulator;
let handle: DbHandle;
let locks: LockManager;
let test: TestStack;
let http: Awaited<ReturnType<typeof serveHttp>>;

async function connect(): Promise<Client> {
  const client = new Client({ name: "streaming-test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { authorization: `Bearer ${OPS}` } } }));
  return client;
}

beforeAll(async () => {
  sim = await startSimulator({ apiKey: "stream-key", apiSecret: "stream-secret-value-24680", assignVlans: { "363": "10.31.63.1/24" } });
  handle = await createDb({ dataDir: "memory" });
  locks = createLockManager({});
  test = await createTestStack("stream", sim);
  const orchestrator = createOrchestrator({ db: handle.db, locks, workDir: REPO_ROOT });
  const verifier = tokenVerifier({ file: null, extra: [{ token: OPS, principal: { name: "ops", scopes: ["read", "plan", "apply"] } }] });
  http = await serveHttp({ host: "127.0.0.1", port: 0, verifier, context: { orchestrator, db: handle.db } });
});

afterAll(async () => {
  await http?.close();
  await test?.remove();
  await locks?.close();
  await handle?.close();
  await sim?.stop();
});

describe("answer streams over HTTP", () => {
  it("delivers an apply's progress while it is still running, and quick reads whole", async () => {
    const client = await connect();
    const watcher = await connect();
    try {
      const spec = { version: 1, networks: { stream: { vlan: 363, subnet: "10.31.63.0/24" } } };
      const plan = (await client.callTool({ name: "plan", arguments: { stack: test.name, spec } })).structuredContent as { planId: string };
      // At the first progress message, ask from another session what the log says about this apply.
      let seenWhileRunning: Promise<string | undefined> | undefined;
      const applied = await client.callTool({ name: "apply", arguments: { planId: plan.planId } }, undefined, {
        onprogress: () => {
          seenWhileRunning ??= watcher.callTool({ name: "history", arguments: { stack: test.name, limit: 1 } }).then((r) => {
            const d = (r.structuredContent as { deployments: { status: string }[] }).deployments[0];
            return d?.status;
          });
        },
      });
      // Without a Docker engine here the stack's network cannot be made and the apply rolls back; it has ended either way.
      expect(["succeeded", "rolled-back"]).toContain((applied.structuredContent as { status: string }).status);
      expect(seenWhileRunning).toBeDefined();
      expect(await seenWhileRunning).toBe("running");

      // Reads after it: whole answers, each time.
      for (let i = 0; i < 5; i++) {
        const status = await watcher.callTool({ name: "status", arguments: { stack: test.name } });
        expect(status.isError).toBeFalsy();
        expect((status.structuredContent as { stack: string }).stack).toBe(test.name);
        const history = await watcher.callTool({ name: "history", arguments: { stack: test.name } });
        const statuses = (history.structuredContent as { deployments: { status: string }[] }).deployments.map((d) => d.status);
        expect(statuses.length).toBeGreaterThan(0);
        expect(statuses).not.toContain("running");
      }
    } finally {
      await client.close();
      await watcher.close();
    }
  });
});
