// Fuzzing the HTTP transport: 10 000 malformed or hostile requests made by
// fast-check (garbage bodies, random JSON, JSON-RPC with wrong fields, unknown
// methods, every tool with hostile arguments, batches, foreign or missing
// sessions, wrong content types, foreign Origins) against a real bosun server
// in its own process. Zero crashes, every answer JSON (or an empty 202 for a
// notification, or SSE events whose data is JSON), nothing applied.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { createDb } from "../../mcp-server/src/db/client.ts";
import { REPO_ROOT } from "../support/test-stack.ts";

const RUNS = 10_000;
const TOKEN = "fuzz-token-0123456789";
const dir = mkdtempSync(join(tmpdir(), "bosun-fuzz-"));
const dataDir = join(dir, "pglite");
const ALPHA = stringify({ config: { "bosun:spec": { version: 1, networks: { apps: { vlan: 30, subnet: "10.30.0.0/24" } } } } });
let child: ChildProcess;
let url = "";
let stderr = "";
let exited: number | null | undefined;

beforeAll(async () => {
  cpSync(join(REPO_ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  symlinkSync(join(REPO_ROOT, ".tools"), join(dir, ".tools"));
  mkdirSync(join(dir, "stacks"));
  mkdirSync(join(dir, "backend"));
  writeFileSync(join(dir, "stacks", "Pulumi.alpha.yaml"), ALPHA);
  child = spawn(process.execPath, [join(REPO_ROOT, "test/security/fuzz-server.ts"), dir, dataDir, TOKEN], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.on("exit", (code) => {
    exited = code;
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on("exit", () => reject(new Error(`fuzz server exited: ${stderr}`)));
  });
}, 60_000);

afterAll(async () => {
  if (child && exited === undefined) {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
  rmSync(dir, { recursive: true, force: true });
});

// ---- what fast-check makes ---------------------------------------------------------------

const TOOLS = ["plan", "apply", "status", "history", "drift", "rollback", "destroy", "get_secret", "validate_spec", "translate", "nope", ""];
const METHODS = [
  "initialize",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/read",
  "resources/templates/list",
  "prompts/list",
  "prompts/get",
  "ping",
  "completion/complete",
  "logging/setLevel",
  "notifications/initialized",
  "notifications/cancelled",
  "$/x",
  "__proto__",
  "constructor",
];
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.constantFrom(
    "alpha",
    "demo",
    "../../etc/passwd",
    "..",
    "/",
    "//etc",
    "$(touch /tmp/pwned)",
    "`id`",
    "a\u0000b",
    "%2e%2e%2f",
    "plan_AAAAAAAAAAAAAAAAAAAAAAAA",
    "[secret]",
    "__proto__",
    "constructor",
    "00000000-0000-0000-0000-000000000000",
    "bosun://audit",
  ),
  fc.string({ minLength: 1000, maxLength: 5000 }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    tie("array"),
    tie("object"),
  ),
  array: fc.array(tie("value"), { maxLength: 5 }),
  object: fc.dictionary(
    fc.oneof(hostileString, fc.constantFrom("stack", "spec", "intent", "planId", "service", "name", "version", "services", "networks", "secret")),
    tie("value"),
    { maxKeys: 6 },
  ),
})).value;
const toolArgs = fc.oneof(
  hostileValue,
  fc.record(
    {
      stack: hostileString,
      spec: hostileValue,
      intent: hostileString,
      planId: hostileString,
      service: hostileString,
      name: hostileString,
      text: hostileString,
      deploymentId: hostileString,
      at: hostileString,
      limit: fc.oneof(fc.integer(), hostileString),
    },
    { requiredKeys: [] },
  ),
);
const id = fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.constant(null), hostileValue);
const rpc = fc.oneof(
  fc.record({
    jsonrpc: fc.constant("2.0"),
    id,
    method: fc.constant("tools/call"),
    params: fc.record({ name: fc.constantFrom(...TOOLS), arguments: toolArgs }),
  }),
  fc.record({
    jsonrpc: fc.constant("2.0"),
    id,
    method: fc.constant("resources/read"),
    params: fc.record({
      uri: fc.oneof(
        hostileString,
        fc.constantFrom("bosun://stacks/alpha/spec", "bosun://stacks/../../etc/spec", "bosun://deployments/x", "bosun://audit", "file:///etc/passwd"),
      ),
    }),
  }),
  fc.record({
    jsonrpc: fc.constant("2.0"),
    id,
    method: fc.constant("prompts/get"),
    params: fc.record({ name: fc.constantFrom("deploy-service", "x"), arguments: hostileValue }),
  }),
  fc.record(
    { jsonrpc: fc.oneof(fc.constant("2.0"), hostileString), id, method: fc.oneof(fc.constantFrom(...METHODS), hostileString), params: hostileValue },
    { requiredKeys: ["method"] },
  ),
);
const body = fc.oneof(
  { weight: 6, arbitrary: rpc.map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: fc.array(rpc, { maxLength: 4 }).map((m) => JSON.stringify(m)) },
  { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 300 }) },
  { weight: 1, arbitrary: rpc.map((m) => JSON.stringify(m).slice(0, -3)) },
);
interface Attack {
  body: string;
  session: "valid" | "none" | "garbage";
  contentType: string;
  accept: string;
  origin: string | undefined;
  method: "POST" | "GET" | "DELETE";
  auth: "token" | "none" | "wrong";
}
/** Mostly well-formed around a hostile body, so most requests reach the MCP layer; sometimes wrong at the edge too. */
const mostly = <T>(usual: T, ...others: T[]) => fc.oneof({ weight: 9, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: fc.constantFrom(...others) });
const attack: fc.Arbitrary<Attack> = fc.record({
  body,
  session: mostly<Attack["session"]>("valid", "none", "garbage"),
  contentType: mostly("application/json", "text/plain", "application/json; charset=utf-16", "multipart/form-data", ""),
  accept: mostly("application/json, text/event-stream", "application/json", "*/*", ""),
  origin: mostly<string | undefined>(undefined, "http://evil.example", "null", "http://localhost:3000"),
  method: mostly<Attack["method"]>("POST", "GET", "DELETE"),
  auth: mostly<Attack["auth"]>("token", "none", "wrong"),
});

// ---- the run ----------------------------------------------------------------------------

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "fuzz", version: "1" } },
});

async function openSession(): Promise<string> {
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${TOKEN}` };
  const res = await fetch(url, { method: "POST", headers, body: INIT });
  await res.text();
  const sid = res.headers.get("mcp-session-id") ?? "";
  await (
    await fetch(url, { method: "POST", headers: { ...headers, "mcp-session-id": sid }, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' })
  ).text();
  return sid;
}

/** The answer is JSON: a JSON body, SSE events with JSON data, or an empty 202/204. */
function isJsonAnswer(status: number, type: string, text: string): boolean {
  if (text === "" && (status === 202 || status === 204)) return true;
  try {
    if (type.includes("text/event-stream")) {
      const data = text.split("\n").filter((l) => l.startsWith("data: "));
      data.forEach((l) => JSON.parse(l.slice(6)));
      return true;
    }
    JSON.parse(text);
    return type.includes("application/json");
  } catch {
    return false;
  }
}

describe("fuzzing the HTTP transport", () => {
  it(`survives ${RUNS} hostile requests with JSON answers and nothing applied`, async () => {
    let session = await openSession();
    let sent = 0;
    const statuses = new Map<number, number>();
    const bad: string[] = [];
    await fc.assert(
      fc.asyncProperty(attack, async (a) => {
        const headers: Record<string, string> = {};
        if (a.contentType) headers["content-type"] = a.contentType;
        if (a.accept) headers["accept"] = a.accept;
        if (a.origin) headers["origin"] = a.origin;
        if (a.auth === "token") headers["authorization"] = `Bearer ${TOKEN}`;
        if (a.auth === "wrong") headers["authorization"] = "Bearer not-a-token";
        if (a.session === "valid") headers["mcp-session-id"] = session;
        if (a.session === "garbage") headers["mcp-session-id"] = "garbage-session";
        const controller = new AbortController();
        // A GET opens the session's SSE stream, which stays open by design: read its head only.
        const res = await fetch(url, { method: a.method, headers, ...(a.method === "POST" ? { body: a.body } : {}), signal: controller.signal });
        const type = res.headers.get("content-type") ?? "";
        const text = a.method === "GET" && type.includes("text/event-stream") ? "" : await res.text();
        if (a.method === "GET") controller.abort();
        sent += 1;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const ended = a.method === "DELETE" && res.status === 200 && text === ""; // a session ended on request
        const ok = (a.method === "GET" && type.includes("text/event-stream") && res.status === 200) || ended || isJsonAnswer(res.status, type, text);
        if (!ok && bad.length < 20) bad.push(`${a.method} ${res.status} ${type}: ${text.slice(0, 200)}`);
        if (ended) session = await openSession();
        if (res.status === 404 && a.session === "valid") session = await openSession(); // the fuzzer ended it (DELETE): carry on in a new one
        return exited === undefined; // a crash stops the run; wrong answers are collected and reported below
      }),
      { numRuns: RUNS, seed: 1414, endOnFailure: true },
    );
    console.log(`fuzz: ${sent} hostile requests sent; answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    expect(bad).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(RUNS);

    // Still up and answering.
    const alive = await openSession();
    expect(alive).not.toBe("");
    expect(exited).toBeUndefined();
    expect(stderr).not.toMatch(/Unhandled|uncaught|FATAL/i);

    // Nothing applied: stop the server, then read its log and look at its project.
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    const handle = await createDb({ dataDir });
    const { deployments } = await import("../../mcp-server/src/db/schema.ts");
    const rows = await handle.db.select().from(deployments);
    await handle.close();
    expect(rows.filter((r) => r.status === "succeeded" && r.kind !== "drift")).toEqual([]);
    expect(readFileSync(join(dir, "stacks", "Pulumi.alpha.yaml"), "utf8")).toBe(ALPHA);
    expect(readdirSync(join(dir, "stacks"))).toEqual(["Pulumi.alpha.yaml"]);
    const updates = existsSync(join(dir, "backend", ".pulumi", "history")) ? readdirSync(join(dir, "backend", ".pulumi", "history"), { recursive: true }) : [];
    expect(updates.filter((f) => String(f).endsWith(".history.json"))).toEqual([]);
  }, 240_000);
});
