// The official MCP conformance suite (@modelcontextprotocol/conformance, pinned
// in package.json) against bosun's streamable HTTP server, started in-process
// on loopback without tokens the way `bosun serve` runs by default (the suite's
// client sends no credentials). Real orchestrator on an in-memory PGlite log.
//
// Scenarios run: every server scenario that tests the protocol rather than the
// suite's own demo server —
//   server-initialize, ping, logging-set-level, completion-complete, tools-list,
//   resources-list, resources-subscribe, resources-unsubscribe, prompts-list,
//   dns-rebinding-protection, server-sse-multiple-streams.
// Not run, because each calls a fixture of the suite's "everything" server
// that bosun does not (and should not) have — a tool, resource or prompt by name:
//   tools-call-* (test_simple_text, test_image_content, test_tool_with_logging, …),
//   resources-read-text / -binary / -templates-read (test://static-text, test://template/{id}/data),
//   prompts-get-* (test_simple_prompt, …), json-schema-2020-12 and elicitation-* (test tools),
//   server-sse-polling (the test_reconnection tool).
// bosun's own versions of those behaviours are tested in test/e2e/observe-demo.test.ts
// (log notifications during a tool call, progress, subscriptions).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenVerifier } from "../../mcp-server/src/auth/tokens.ts";
import { createEventBus } from "../../mcp-server/src/coordination/events.ts";
import { createLockManager, type LockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createDb, type DbHandle } from "../../mcp-server/src/db/client.ts";
import { serveHttp } from "../../mcp-server/src/http.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";
import type { Orchestrator } from "../../mcp-server/src/orchestrator/types.ts";
import { REPO_ROOT } from "../support/test-stack.ts";

const run = promisify(execFile);
const CLI = join(REPO_ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");

const APPLICABLE = [
  "server-initialize",
  "ping",
  "logging-set-level",
  "completion-complete",
  "tools-list",
  "resources-list",
  "resources-subscribe",
  "resources-unsubscribe",
  "prompts-list",
  "dns-rebinding-protection",
  "server-sse-multiple-streams",
];
/** Scenarios that exercise the suite's fixture server (a tool, resource or prompt of its own by name). */
const FIXTURE_ONLY = /^(tools-call-|resources-read-|resources-templates-read$|prompts-get-|json-schema-|elicitation-|server-sse-polling$)/;

let handle: DbHandle;
let locks: LockManager;
let orchestrator: Orchestrator;
let http: Awaited<ReturnType<typeof serveHttp>>;
let out: string;

beforeAll(async () => {
  handle = await createDb({ dataDir: "memory" });
  locks = createLockManager();
  const events = createEventBus();
  orchestrator = createOrchestrator({ db: handle.db, locks, events, workDir: REPO_ROOT });
  http = await serveHttp({ host: "127.0.0.1", port: 0, verifier: tokenVerifier({ file: null }), context: { orchestrator, db: handle.db, events } });
  out = mkdtempSync(join(tmpdir(), "bosun-conformance-"));
});

afterAll(async () => {
  await http?.close();
  await orchestrator?.close();
  await locks?.close();
  await handle?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe("MCP conformance suite, server scenarios that apply to bosun", () => {
  it("knows every server scenario the pinned suite has: run, or left out with a reason", async () => {
    const { stdout } = await run(process.execPath, [CLI, "list"], { cwd: out });
    const server = stdout.split("Client scenarios")[0] ?? "";
    const listed = [...server.matchAll(/^\s+- ([\w-]+)/gm)].map((m) => m[1] ?? "");
    expect(listed.length).toBeGreaterThan(20);
    for (const name of APPLICABLE) expect(listed).toContain(name);
    expect(listed.filter((n) => !APPLICABLE.includes(n) && !FIXTURE_ONLY.test(n))).toEqual([]);
  });

  for (const scenario of APPLICABLE) {
    it(`passes ${scenario}`, async () => {
      const dir = join(out, scenario);
      await run(process.execPath, [CLI, "server", "--url", http.url, "--scenario", scenario, "-o", dir], { cwd: out, timeout: 120_000 }).catch(
        (err: { stdout?: string }) => ({ stdout: err.stdout ?? "" }),
      );
      const [result] = readdirSync(dir);
      const checks = JSON.parse(readFileSync(join(dir, result ?? "", "checks.json"), "utf8")) as { id: string; status: string; errorMessage?: string }[];
      console.log(`conformance ${scenario}: ${checks.map((c) => `${c.id}=${c.status}`).join(", ")}`);
      expect(checks.length).toBeGreaterThan(0);
      expect(checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING").map((c) => `${c.id}: ${c.errorMessage ?? c.status}`)).toEqual([]);
    });
  }
});
