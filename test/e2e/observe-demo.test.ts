// Seeing the demo work. The demo's request ("a Minecraft server for 10 players
// on VLAN 20") is planned and applied through the MCP server over HTTP with a
// scoped token, on a throwaway stack with the demo's spec: real engine, real
// Docker, the OPNsense simulator (the only stand-in; no OPNsense box here).
// While it runs the client gets log notifications and updates of the
// deployment's resource it subscribed to. Afterwards: /metrics counts the
// providers' API calls, the logs tie the MCP request to its deployment, engine
// steps and provider calls by one correlation id, the OTLP receiver (started
// here) has the spans, and the dashboard, in Debian's chromium driven by
// playwright-core, draws VLAN 20 with the minecraft service and its 25565 flow
// (screenshots under .state/screenshots). A drift check marks the stopped
// container; the destroy plan is approved in the browser.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";
import { tokenVerifier } from "../../mcp-server/src/auth/tokens.ts";
import { createEventBus } from "../../mcp-server/src/coordination/events.ts";
import { createLockManager, type LockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createDb, type DbHandle } from "../../mcp-server/src/db/client.ts";
import { serveHttp } from "../../mcp-server/src/http.ts";
import { log, tapLogs } from "../../mcp-server/src/observability/log.ts";
import { startTracing, type Tracing } from "../../mcp-server/src/observability/trace.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";
import type { Orchestrator } from "../../mcp-server/src/orchestrator/types.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../support/test-stack.ts";
import { DEMO_SUBNET, exclusiveSubnet } from "../support/exclusive.ts";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.ts";

const OPS = "ops-token-observe-0123456789";
const DEMO_REQUEST = "Deploy a Minecraft server for 10 players on VLAN 20";
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
type Result = { isError?: boolean; structuredContent?: Record<string, unknown>; content: { text: string }[] };
type LogLine = Record<string, unknown> & { msg: string; correlationId?: string; deploymentId?: string; component?: string };

const docker = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));
const screenshots = join(process.env["BOSUN_STATE"] ?? join(REPO_ROOT, ".state"), "screenshots");

let sim: Simulator;
let handle: DbHandle;
let locks: LockManager;
let orchestrator: Orchestrator;
let stack: TestStack;
let http: Awaited<ReturnType<typeof serveHttp>>;
let base: string;
let client: Client;
let otlp: OtlpReceiver;
let tracing: Tracing;
let browser: BrowserContext;
let profile: string;
let releaseSubnet: () => void = () => {};
let subnetReleased: Promise<unknown> = Promise.resolve();
const logLines: LogLine[] = [];
let untap: () => void = () => {};
const mcpLogs: { level: string; data: Record<string, unknown> }[] = [];
const updates: string[] = [];
let planned: { planId: string; deploymentId: string };
let appliedId = "";

beforeAll(async () => {
  // The demo's subnet is one Docker network per engine: held from here until the stack is gone.
  await new Promise<void>((acquired) => {
    subnetReleased = exclusiveSubnet(DEMO_SUBNET, async () => {
      acquired();
      await new Promise<void>((release) => {
        releaseSubnet = release;
      });
    });
  });
  otlp = await startOtlpReceiver();
  tracing = startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint });
  sim = await startSimulator({ apiKey: "observe-key", apiSecret: "observe-secret-value-4242", assignVlans: { "20": "10.20.0.1/24" } });
  handle = await createDb({ dataDir: "memory" });
  locks = createLockManager();
  const events = createEventBus();
  stack = await createTestStack("observe", sim, {
    "bosun:localImages": JSON.stringify({ "itzg/minecraft-server:java21": "bosun/minecraft-standin:1" }),
    "bosun:publishAddress": "127.0.0.3",
  });
  orchestrator = createOrchestrator({ db: handle.db, locks, events, workDir: REPO_ROOT });
  const verifier = tokenVerifier({ file: null, extra: [{ token: OPS, principal: { name: "ops", scopes: ["read", "plan", "apply"] } }] });
  http = await serveHttp({ host: "127.0.0.1", port: 0, verifier, context: { orchestrator, db: handle.db, events } });
  base = http.url.replace(/\/mcp$/, "");
  client = new Client({ name: "observe-test", version: "1" });
  client.setNotificationHandler(
    LoggingMessageNotificationSchema,
    (n) => void mcpLogs.push({ level: n.params.level, data: n.params.data as Record<string, unknown> }),
  );
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { authorization: `Bearer ${OPS}` } } }));
  untap = tapLogs((line) => logLines.push(JSON.parse(line) as LogLine), { divert: true });
  log.level = "debug";
});

afterAll(async () => {
  log.level = process.env["BOSUN_LOG_LEVEL"] ?? "info";
  untap();
  await browser?.close().catch(() => {});
  if (profile) rmSync(profile, { recursive: true, force: true });
  await client?.close().catch(() => {});
  await http?.close();
  await stack?.remove();
  releaseSubnet();
  await subnetReleased;
  await orchestrator?.close();
  await locks?.close();
  await handle?.close();
  await sim?.stop();
  await tracing?.shutdown();
  await otlp?.stop();
});

async function call(name: string, args: Record<string, unknown>): Promise<Result> {
  return (await client.callTool({ name, arguments: args }, undefined, { timeout: 300_000 })) as Result;
}

async function metricsText(): Promise<string> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${OPS}` } });
  expect(res.status).toBe(200);
  return res.text();
}

describe("the demo, observed", () => {
  it("plans and applies through MCP, with log notifications and updates of the subscribed deployment", async () => {
    const plan = await call("plan", { stack: stack.name, intent: DEMO_REQUEST });
    expect(plan.isError ?? false, plan.content[0]?.text).toBe(false);
    planned = plan.structuredContent as { planId: string; deploymentId: string };
    expect(planned.deploymentId).toMatch(/^[0-9a-f-]{36}$/);
    const uri = `bosun://deployments/${planned.deploymentId}`;
    await client.subscribeResource({ uri });
    await client.setLoggingLevel("info");

    const applied = await call("apply", { planId: planned.planId });
    expect(applied.isError ?? false, applied.content[0]?.text).toBe(false);
    expect((applied.structuredContent as { status: string }).status).toBe("succeeded");
    appliedId = (applied.structuredContent as { deploymentId: string }).deploymentId;
    expect(appliedId).toBe(planned.deploymentId);

    // Log notifications came during the apply, about this deployment, up to the final word.
    const about = mcpLogs.filter((l) => l.data["deploymentId"] === appliedId);
    expect(about.length).toBeGreaterThan(10);
    expect(about.some((l) => String(l.data["message"]).startsWith("create minecraft"))).toBe(true);
    expect(String(about.at(-1)?.data["message"])).toContain("succeeded");
    expect(mcpLogs.every((l) => l.level !== "debug")).toBe(true);
    // The subscribed resource was updated while it ran, and reads back finished with its events.
    await expect.poll(() => updates.filter((u) => u === uri).length).toBeGreaterThan(2);
    const read = await client.readResource({ uri });
    const record = JSON.parse((read.contents[0] as { text: string }).text) as { status: string; events: unknown[] };
    expect(record.status).toBe("succeeded");
    expect(record.events.length).toBeGreaterThan(10);
  });

  it("ties the MCP request to its deployment, engine steps and provider calls by one correlation id", () => {
    const call = logLines.find((l) => l.msg === "tool apply called");
    expect(call?.correlationId).toMatch(/^[0-9a-f]{12}$/);
    const mine = logLines.filter((l) => l.correlationId === call?.correlationId);
    expect(mine.some((l) => l.msg.startsWith("deployment.started") && l.deploymentId === appliedId)).toBe(true);
    expect(mine.some((l) => l.component === "engine" && typeof l["urn"] === "string" && l.deploymentId === appliedId)).toBe(true);
    const providers = new Set(mine.filter((l) => l.component === "provider").map((l) => String(l["provider"])));
    expect([...providers].sort()).toEqual(["docker", "opnsense"]);
    // No secret of the simulator or the token in any line.
    const all = logLines.map((l) => JSON.stringify(l)).join("\n");
    expect(all).not.toContain("observe-secret-value-4242");
    expect(all).not.toContain(OPS);
  });

  it("counts it in /metrics (a sample is saved under .state)", async () => {
    const text = await metricsText();
    const sample = text
      .split("\n")
      .filter((l) => l.startsWith("bosun_") && !/_bucket\{/.test(l))
      .join("\n");
    mkdirSync(screenshots, { recursive: true });
    const file = join(screenshots, "..", "metrics-after-demo-apply.txt");
    writeFileSync(file, `${sample}\n`);
    console.log(`/metrics after the demo apply (bosun_* lines, buckets left out), saved to ${file}:\n${sample}`);
    expect(text).toMatch(new RegExp(`bosun_apply_duration_seconds_count\\{stack="${stack.name}",status="succeeded"\\} 1`));
    expect(text).toMatch(new RegExp(`bosun_deployments\\{stack="${stack.name}",status="succeeded"\\} 1`));
    expect(text).toMatch(/bosun_provider_api_calls_total\{provider="opnsense",method="POST",endpoint="\/api\/[^"]+"\} \d+/);
    expect(text).toMatch(/bosun_provider_api_calls_total\{provider="docker",method="POST",endpoint="\/containers\/create"\} \d+/);
    expect(text).toMatch(/bosun_engine_steps_total\{operation="up",provider="opnsense",type="Vlan",op="create",outcome="ok"\} 1/);
    expect(text).toMatch(/bosun_mcp_tool_calls_total\{tool="apply",outcome="ok"\} 1/);
    expect(text).toMatch(/bosun_lock_wait_seconds_count\{stack="[^"]+",outcome="acquired"\} \d+/);
    expect(text).toMatch(/bosun_mcp_sessions_active\{transport="http"\} [1-9]/);
    expect(text).toMatch(/bosun_plan_duration_seconds_count\{stack="[^"]+",kind="apply",outcome="ok"\} 1/);
  });

  it("exported spans over OTLP: the tool call, the engine's update and the providers' calls in one trace", async () => {
    const tool = await otlp.waitFor((s) => s.name === "mcp tool apply");
    const up = await otlp.waitFor((s) => s.name === "engine up" && s.traceId === tool.traceId);
    const vlan = await otlp.waitFor((s) => s.name.startsWith("opnsense POST /api/interfaces/vlan_settings") && s.traceId === tool.traceId);
    expect(vlan.parentSpanId).toBe(up.spanId);
    expect(vlan.service).toBe("bosun");
    await otlp.waitFor((s) => s.name === "docker POST /containers/create" && s.traceId === tool.traceId);
  });

  it("draws VLAN 20 with the minecraft service and its 25565 flow in a real browser, and marks drift", async () => {
    profile = mkdtempSync(join(tmpdir(), "bosun-chromium-"));
    browser = await chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_FLAGS });
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${base}/stacks/${stack.name}`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.fill("input[name=token]", OPS);
    await page.click("button.approve");
    await page.waitForURL(`${base}/`);
    const cookie = (await browser.cookies()).find((c) => c.name === "bosun_session");
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Strict");

    await page.goto(`${base}/stacks/${stack.name}`);
    const segment = page.locator('svg.network g.segment[data-vlan="20"]');
    await expect.poll(() => segment.textContent()).toContain("VLAN 20");
    expect(await segment.textContent()).toContain("10.20.0.0/24");
    const service = page.locator('svg.network g.service[data-service="minecraft"]');
    expect(await service.textContent()).toContain("10.20.0.10");
    expect(await service.getAttribute("class")).not.toContain("pending");
    const flow = page.locator('svg.network g.arrow.flow[data-to="minecraft"][data-port="25565/tcp"]');
    expect(await flow.count()).toBe(1);
    expect(await flow.textContent()).toContain("25565/tcp");
    expect(await page.locator('svg.network g.arrow.published[data-to="minecraft"]').textContent()).toContain("127.0.0.3:25565");
    expect(await page.locator("table.timeline").textContent()).toContain(DEMO_REQUEST);
    mkdirSync(screenshots, { recursive: true });
    const shot = join(screenshots, "dashboard-demo.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`dashboard screenshot after the demo apply: ${shot}`);

    // Someone stops the container behind bosun's back; a drift check finds it and the picture marks it.
    await docker.raw("POST", `/containers/${stack.name}-minecraft/stop?t=1`);
    const drift = await call("drift", { stack: stack.name });
    expect((drift.structuredContent as { drifted: { group?: string }[] }).drifted.map((d) => d.group)).toContain("service minecraft");
    await page.goto(`${base}/stacks/${stack.name}`);
    expect(await service.getAttribute("class")).toContain("drifted");
    const driftShot = join(screenshots, "dashboard-demo-drift.png");
    await page.screenshot({ path: driftShot, fullPage: true });
    console.log(`dashboard screenshot after the drift check: ${driftShot}`);
  });

  it("approves the destroy plan in the browser, which applies it", async () => {
    const destroy = await call("destroy", { stack: stack.name });
    const plan = destroy.structuredContent as { planId: string; counts: { delete: number } };
    expect(plan.counts.delete).toBeGreaterThan(10);
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${base}/stacks/${stack.name}`);
    const card = page.locator(`div.plan[data-plan="${plan.planId}"]`);
    expect(await card.locator('div.group[data-group="service minecraft"]').count()).toBe(1);
    // A form post without the session's CSRF token is refused, cookie or not.
    const forged = await browser.request.post(`${base}/plans/${plan.planId}/approve`, { form: { csrf: "wrong" }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    await card.locator("button.approve").click();
    await page.waitForURL(/\/deployments\//);
    await expect.poll(async () => page.locator("[data-status]").getAttribute("data-status"), { timeout: 240_000, interval: 1000 }).toBe("succeeded");
    await expect(docker.json("GET", `/containers/${stack.name}-minecraft/json`)).rejects.toThrow(/No such container/);
  });
});
