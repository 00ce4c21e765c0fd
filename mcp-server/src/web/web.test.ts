// The HTTP routes next to /mcp, through a real server on loopback: health and
// readiness, who may read /metrics, and the dashboard's sign-in, session
// cookie, CSRF and scope rules (the browser test is test/e2e/observe-demo.test.ts).
// Real orchestrator on the repository's stacks, PGlite in memory.
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenVerifier } from "../auth/tokens.ts";
import { createLockManager, type LockManager } from "../coordination/locks.ts";
import { createDb, type DbHandle } from "../db/client.ts";
import { serveHttp } from "../http.ts";
import { createOrchestrator } from "../orchestrator/index.ts";
import type { Orchestrator } from "../orchestrator/types.ts";
import { REPO_ROOT } from "../../../test/support/test-stack.ts";

const OPS = "ops-token-web-0123456789";
const VIEWER = "viewer-token-web-0123456789";
const PLANNER = "planner-token-web-0123456789";

let handle: DbHandle;
let locks: LockManager;
let orchestrator: Orchestrator;
let http: Awaited<ReturnType<typeof serveHttp>>;
let open: Awaited<ReturnType<typeof serveHttp>>;
let base: string;

beforeAll(async () => {
  handle = await createDb({ dataDir: "memory" });
  locks = createLockManager();
  orchestrator = createOrchestrator({ db: handle.db, locks, workDir: REPO_ROOT });
  const verifier = tokenVerifier({
    file: null,
    extra: [
      { token: OPS, principal: { name: "ops", scopes: ["read", "plan", "apply"] } },
      { token: VIEWER, principal: { name: "viewer", scopes: ["read"] } },
      { token: PLANNER, principal: { name: "planner", scopes: ["plan"] } },
    ],
  });
  const context = { orchestrator, db: handle.db };
  http = await serveHttp({ host: "127.0.0.1", port: 0, verifier, context });
  open = await serveHttp({ host: "127.0.0.1", port: 0, verifier: tokenVerifier({ file: null }), context });
  base = http.url.replace(/\/mcp$/, "");
});

afterAll(async () => {
  await http?.close();
  await open?.close();
  await orchestrator?.close();
  await locks?.close();
  await handle?.close();
});

const get = (path: string, headers: Record<string, string> = {}, at = base) => fetch(`${at}${path}`, { headers, redirect: "manual" });
const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
    redirect: "manual",
  });
const cookieOf = (res: Response) => (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";

describe("health and readiness", () => {
  it("answers /healthz on loopback without a token", async () => {
    const res = await get("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  it("checks the database, Docker and each configured provider in /readyz", async () => {
    const res = await get("/readyz");
    const body = (await res.json()) as { status: string; checks: { name: string; ok: boolean; error?: string }[] };
    const names = body.checks.map((c) => c.name);
    expect(body.checks.find((c) => c.name === "database")?.ok).toBe(true);
    expect(body.checks.find((c) => c.name.startsWith("docker "))?.ok).toBe(true);
    // The demo stack points at the OPNsense simulator; whether it runs now or not, it is checked.
    expect(names).toContain("opnsense 127.0.0.1:18443");
    expect(res.status).toBe(body.checks.every((c) => c.ok) ? 200 : 503);
    expect(body.status).toBe(res.status === 200 ? "ready" : "not ready");
  });
});

describe("Redis in /readyz", () => {
  // A server without stacks: the database, Docker and (when REDIS_URL is set) Redis are all it checks, so Redis decides.
  let bare: Awaited<ReturnType<typeof serveHttp>>;
  let closedPort: number;
  beforeAll(async () => {
    bare = await serveHttp({ host: "127.0.0.1", port: 0, verifier: tokenVerifier({ file: null }), context: { db: handle.db } });
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
  });
  afterAll(async () => {
    await bare?.close();
  });

  type Readyz = { status: string; checks: { name: string; ok: boolean; error?: string }[] };
  /** /readyz of the bare server with REDIS_URL as given (the product reads it from its environment). */
  async function readyzWith(redisUrl: string | undefined): Promise<{ code: number; body: Readyz }> {
    const before = process.env["REDIS_URL"];
    if (redisUrl === undefined) delete process.env["REDIS_URL"];
    else process.env["REDIS_URL"] = redisUrl;
    try {
      const res = await get("/readyz", {}, bare.url.replace(/\/mcp$/, ""));
      return { code: res.status, body: (await res.json()) as Readyz };
    } finally {
      if (before === undefined) delete process.env["REDIS_URL"];
      else process.env["REDIS_URL"] = before;
    }
  }

  it("checks Redis only when it is configured, and is ready while it answers", async () => {
    const redisUrl = process.env["BOSUN_REDIS_URL"];
    if (!redisUrl) throw new Error("this test needs BOSUN_REDIS_URL (scripts/with-env.sh sets it)");
    const without = await readyzWith(undefined);
    expect(without.body.checks.map((c) => c.name)).not.toContain("redis");
    const up = await readyzWith(redisUrl);
    expect(up.body.checks).toContainEqual(expect.objectContaining({ name: "redis", ok: true }));
    expect(up.body.checks.map((c) => c.name).sort()).toEqual(["database", expect.stringMatching(/^docker /), "redis"]);
    expect(up).toMatchObject({ code: 200, body: { status: "ready" } });
  });

  it("is not ready, naming Redis, when Redis does not answer", async () => {
    const down = await readyzWith(`redis://127.0.0.1:${closedPort}`);
    expect(down).toMatchObject({ code: 503, body: { status: "not ready" } });
    expect(down.body.checks.filter((c) => !c.ok)).toEqual([expect.objectContaining({ name: "redis", ok: false, error: expect.stringMatching(/\S/) })]);
    expect(down.body.checks.find((c) => c.name === "database")?.ok).toBe(true);
  });
});

describe("/metrics", () => {
  it("needs a token with the read scope when tokens are configured", async () => {
    expect((await get("/metrics")).status).toBe(401);
    expect((await get("/metrics", { authorization: `Bearer ${PLANNER}` })).status).toBe(403);
    const res = await get("/metrics", { authorization: `Bearer ${VIEWER}` });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    for (const name of [
      "bosun_mcp_tool_calls_total",
      "bosun_apply_duration_seconds",
      "bosun_provider_api_calls_total",
      "bosun_lock_wait_seconds",
      "bosun_deployments",
    ]) {
      expect(text).toContain(`# HELP ${name}`);
    }
  });

  it("is served to loopback without a token when none is configured", async () => {
    const res = await get("/metrics", {}, open.url.replace(/\/mcp$/, ""));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("# TYPE bosun_engine_queue_depth gauge");
  });
});

describe("the dashboard", () => {
  it("sends a browser without a session to sign in, and refuses a wrong token", async () => {
    const res = await get("/");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect((await post("/login", { token: "nope" })).status).toBe(401);
    expect((await post("/login", { token: VIEWER }, { origin: "http://evil.example" })).status).toBe(403);
  });

  it("signs in with a token into an HttpOnly, SameSite=Strict session cookie, and shows the stacks", async () => {
    const login = await post("/login", { token: VIEWER }, { origin: base });
    expect(login.status).toBe(303);
    const setCookie = login.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^bosun_session=[\w-]{40,};/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).not.toContain(VIEWER);
    const home = await get("/", { cookie: cookieOf(login) });
    expect(home.status).toBe(200);
    expect(home.headers.get("content-security-policy")).toContain("default-src 'none'");
    const page = await home.text();
    expect(page).toContain('href="/stacks/demo"');
    expect(page).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/);
    const stack = await (await get("/stacks/demo", { cookie: cookieOf(login) })).text();
    expect(stack).toContain("gaming · VLAN 20");
    expect(stack).toContain('data-service="minecraft"');
  });

  it("refuses approvals without the session's CSRF token, from another origin, or without the apply scope", async () => {
    const ops = await post("/login", { token: OPS }, { origin: base });
    const cookie = cookieOf(ops);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await get("/", { cookie })).text())?.[1] ?? "";
    expect(csrf.length).toBeGreaterThan(20);
    expect((await post("/plans/plan_x/approve", {}, { cookie })).status).toBe(403);
    expect((await post("/plans/plan_x/approve", { csrf }, { cookie, origin: "http://evil.example" })).status).toBe(403);
    // With the right token and origin the request gets through to the plan lookup.
    expect((await post("/plans/plan_x/approve", { csrf }, { cookie, origin: base })).status).toBe(404);

    const viewer = await post("/login", { token: VIEWER }, { origin: base });
    const vcookie = cookieOf(viewer);
    const vcsrf = /name="csrf" value="([^"]+)"/.exec(await (await get("/", { cookie: vcookie })).text())?.[1] ?? "";
    const refused = await post("/plans/plan_x/approve", { csrf: vcsrf }, { cookie: vcookie, origin: base });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("lacks the apply scope");
    // A bearer header is its own authentication (no cookie, no form token).
    expect((await post("/plans/plan_x/approve", {}, { authorization: `Bearer ${OPS}` })).status).toBe(404);
  });

  it("signs out", async () => {
    const login = await post("/login", { token: VIEWER }, { origin: base });
    const cookie = cookieOf(login);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await get("/", { cookie })).text())?.[1] ?? "";
    expect((await post("/logout", { csrf }, { cookie, origin: base })).status).toBe(303);
    expect((await get("/", { cookie })).status).toBe(303);
  });
});
