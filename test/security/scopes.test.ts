// Every surface checks a scope: each tool, the resources, the prompt and the
// completions, over HTTP with the SDK's client and real tokens; a token
// limited to some stacks sees and touches only those; reads create nothing in
// the backend; refusals and secret reads land in the audit log, which refuses
// changes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { serveHttp, type HttpServer } from "../../mcp-server/src/http.ts";
import { addToken, tokenVerifier } from "../../mcp-server/src/auth/tokens.ts";
import { readAudit } from "../../mcp-server/src/audit/log.ts";
import { tempProject, type Project } from "./project.ts";

const spec = (password: string) => ({
  version: 1,
  networks: { apps: { vlan: 30, subnet: "10.30.0.0/24" } },
  services: { web: { image: "nginx:1.27-alpine", network: "apps", env: { PASSWORD: { secret: password }, MODE: "prod" } } },
});

type Result = { isError?: boolean; structuredContent?: Record<string, unknown>; content: { type: string; text: string }[] };
const scratch = mkdtempSync(join(tmpdir(), "bosun-scopes-"));
const file = join(scratch, "tokens.json");
let project: Project;
let http: HttpServer;
const clients = new Map<string, Client>();
const tokens: Record<string, string> = {};

async function as(name: string): Promise<Client> {
  const known = clients.get(name);
  if (known) return known;
  const c = new Client({ name: `scopes-${name}`, version: "1" });
  await c.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { authorization: `Bearer ${tokens[name]}` } } }));
  clients.set(name, c);
  return c;
}
const call = async (who: string, name: string, args: Record<string, unknown>) => (await (await as(who)).callTool({ name, arguments: args })) as Result;
const text = (r: Result) => r.content.map((c) => c.text).join("\n");

beforeAll(async () => {
  project = await tempProject({ alpha: spec("alpha-pass-1234"), beta: spec("beta-pass-5678") });
  tokens["reader"] = addToken("reader", ["read"], file);
  tokens["planner"] = addToken("planner", ["plan"], file);
  tokens["applier"] = addToken("applier", ["apply"], file);
  tokens["keeper"] = addToken("keeper", ["secrets"], file);
  tokens["alpha-only"] = addToken("alpha-only", ["read", "plan", "apply", "secrets"], file, { stacks: ["alpha"] });
  http = await serveHttp({
    host: "127.0.0.1",
    port: 0,
    verifier: tokenVerifier({ file }),
    context: { orchestrator: project.orchestrator, db: project.handle.db },
  });
});

afterAll(async () => {
  for (const c of clients.values()) await c.close().catch(() => {});
  await http?.close();
  await project?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe("each tool checks its scope", () => {
  const cases: [tool: string, args: Record<string, unknown>, needs: string, denied: string][] = [
    ["validate_spec", { spec: { version: 1 } }, "read", "planner"],
    ["translate", { text: "deploy a minecraft server" }, "plan", "reader"],
    ["status", { stack: "alpha" }, "read", "planner"],
    ["history", { stack: "alpha" }, "read", "applier"],
    ["drift", { stack: "alpha" }, "read", "planner"],
    ["plan", { stack: "alpha", spec: { version: 1 } }, "plan", "reader"],
    ["rollback", { stack: "alpha", at: "2026-01-01T00:00:00Z" }, "plan", "reader"],
    ["destroy", { stack: "alpha" }, "plan", "reader"],
    ["apply", { planId: "plan_nope" }, "apply", "planner"],
    ["get_secret", { stack: "alpha", service: "web", name: "PASSWORD" }, "secrets", "applier"],
  ];
  it.each(cases)("%s needs %s", async (tool, args, needs, denied) => {
    const r = await call(denied, tool, args);
    expect(r.isError).toBe(true);
    expect(text(r)).toContain(`lacks the "${needs}" scope that ${tool} needs`);
  });

  it("lets the right scope through", async () => {
    expect((await call("reader", "validate_spec", { spec: { version: 1 } })).isError).toBe(false);
    expect((await call("planner", "translate", { text: "deploy a minecraft server" })).isError ?? false).toBe(false);
    const status = await call("reader", "status", { stack: "alpha" });
    expect(status.isError ?? false, text(status)).toBe(false);
    expect(JSON.stringify(status.structuredContent)).not.toContain("alpha-pass-1234");
    const secret = await call("keeper", "get_secret", { stack: "alpha", service: "web", name: "PASSWORD" });
    expect(secret.structuredContent).toMatchObject({ value: "alpha-pass-1234" });
    const notSecret = await call("keeper", "get_secret", { stack: "alpha", service: "web", name: "MODE" });
    expect(text(notSecret)).toMatch(/has no secret services\.web\.env\.MODE/);
  });
});

describe("resources and the prompt check scopes too", () => {
  it("the stack spec needs read", async () => {
    await expect((await as("planner")).readResource({ uri: "bosun://stacks/alpha/spec" })).rejects.toThrow(/lacks the "read" scope/);
    const r = await (await as("reader")).readResource({ uri: "bosun://stacks/alpha/spec" });
    const body = (r.contents[0] as { text: string }).text;
    expect(body).toContain('"[secret]"');
    expect(body).not.toContain("alpha-pass-1234");
  });

  it("the resource list, the deployment record and the audit log need read", async () => {
    await expect((await as("planner")).listResources()).rejects.toThrow(/lacks the "read" scope/);
    await expect((await as("planner")).readResource({ uri: "bosun://deployments/00000000-0000-4000-8000-000000000000" })).rejects.toThrow(/lacks the "read"/);
    await expect((await as("applier")).readResource({ uri: "bosun://audit" })).rejects.toThrow(/lacks the "read"/);
    const uris = (await (await as("reader")).listResources()).resources.map((r) => r.uri);
    expect(uris).toEqual(expect.arrayContaining(["bosun://stacks/alpha/spec", "bosun://stacks/beta/spec", "bosun://audit"]));
  });

  it("the prompt needs plan", async () => {
    await expect((await as("reader")).getPrompt({ name: "deploy-service", arguments: { request: "a wiki" } })).rejects.toThrow(/lacks the "plan" scope/);
    const p = await (await as("planner")).getPrompt({ name: "deploy-service", arguments: { request: "a wiki" } });
    expect(JSON.stringify(p.messages)).toContain("a wiki");
  });

  it("completions need read, and a token limited to some stacks is offered only those", async () => {
    const stacks = async (who: string) =>
      (await (await as(who)).complete({ ref: { type: "ref/resource", uri: "bosun://stacks/{stack}/spec" }, argument: { name: "stack", value: "" } }))
        .completion;
    const templates = async (who: string) =>
      (await (await as(who)).complete({ ref: { type: "ref/prompt", name: "deploy-service" }, argument: { name: "template", value: "minecraft" } })).completion;
    expect(await stacks("planner")).toMatchObject({ values: [], total: 0 });
    expect(await templates("planner")).toMatchObject({ values: [], total: 0 });
    expect((await stacks("reader")).values).toEqual(expect.arrayContaining(["alpha", "beta"]));
    expect((await templates("reader")).values).toContain("minecraft-java");
    expect((await stacks("alpha-only")).values).toEqual(["alpha"]);
  });
});

describe("a token limited to some stacks", () => {
  it("touches and sees only those", async () => {
    const other = await call("alpha-only", "status", { stack: "beta" });
    expect(text(other)).toContain('may not touch stack "beta"');
    expect((await call("alpha-only", "get_secret", { stack: "beta", service: "web", name: "PASSWORD" })).isError).toBe(true);
    expect((await call("alpha-only", "apply", { planId: "plan_of_someone_else" })).isError).toBe(true);
    expect((await call("alpha-only", "status", { stack: "alpha" })).isError ?? false).toBe(false);
    const uris = (await (await as("alpha-only")).listResources()).resources.map((r) => r.uri);
    expect(uris).toContain("bosun://stacks/alpha/spec");
    expect(uris).not.toContain("bosun://stacks/beta/spec");
    await expect((await as("alpha-only")).readResource({ uri: "bosun://stacks/beta/spec" })).rejects.toThrow(/may not touch stack "beta"/);
  });
});

describe("reads", () => {
  it("never create a stack in the backend, even of a never-deployed stack", async () => {
    const status = await call("reader", "status", { stack: "beta" });
    expect(status.structuredContent).toMatchObject({ stack: "beta", resources: [], outputs: {} });
    const drift = await call("reader", "drift", { stack: "beta" });
    expect(text(drift)).toContain("never been deployed");
    expect(project.backendStacks()).toEqual([]);
  });
});

describe("the audit log", () => {
  it("records refusals and secret reads, and refuses to be changed", async () => {
    const events = await readAudit(project.handle.db);
    expect(events.filter((e) => e.outcome === "denied").map((e) => e.action)).toEqual(expect.arrayContaining(["translate", "apply", "get_secret", "status"]));
    const read = events.find((e) => e.action === "get_secret" && e.outcome === "succeeded");
    expect(read).toMatchObject({ actor: "keeper", stack: "alpha", detail: "services.web.env.PASSWORD" });
    expect(JSON.stringify(events)).not.toContain("alpha-pass-1234");
    const refusal = (q: ReturnType<typeof sql>) =>
      project.handle.db.execute(q).then(
        () => "changed",
        (err: Error & { cause?: Error }) => `${err.message} ${err.cause?.message ?? ""}`,
      );
    expect(await refusal(sql`UPDATE audit_events SET actor = 'someone-else'`)).toMatch(/append-only: UPDATE refused/);
    expect(await refusal(sql`DELETE FROM audit_events`)).toMatch(/append-only: DELETE refused/);
    expect(await refusal(sql`TRUNCATE audit_events`)).toMatch(/append-only: TRUNCATE refused/);
    expect((await readAudit(project.handle.db)).length).toBe(events.length);
  });
});
