// The MCP features clients expect, through the SDK's own client over an
// in-memory transport (schemas really checked): completions for resource
// templates and prompt arguments, logging/setLevel, resource subscriptions fed
// by the event bus, list-changed when a stack appears, the session gauge. A
// real orchestrator on the repository (for the demo stack's spec) and one on a
// scratch folder whose stacks/ this test changes; PGlite in memory.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventBus, type EventBus } from "../../mcp-server/src/coordination/events.ts";
import { createLockManager, type LockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createDb, type DbHandle } from "../../mcp-server/src/db/client.ts";
import { startDeployment } from "../../mcp-server/src/db/queries.ts";
import { registry } from "../../mcp-server/src/observability/metrics.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";
import type { Orchestrator } from "../../mcp-server/src/orchestrator/types.ts";
import { REPO_ROOT } from "../support/test-stack.ts";
import { createMcpServer } from "../../mcp-server/src/server.ts";

let handle: DbHandle;
let locks: LockManager;
let events: EventBus;
let repo: Orchestrator;
let scratch: Orchestrator;
let scratchDir: string;
const clients: Client[] = [];

async function connect(orchestrator: Orchestrator): Promise<Client> {
  const [a, b] = InMemoryTransport.createLinkedPair();
  await createMcpServer({ orchestrator, db: handle.db, events, defaultActor: "test" }).connect(b);
  const client = new Client({ name: "features-test", version: "1" });
  await client.connect(a);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  handle = await createDb({ dataDir: "memory" });
  locks = createLockManager();
  events = createEventBus();
  repo = createOrchestrator({ db: handle.db, locks, events, workDir: REPO_ROOT });
  scratchDir = mkdtempSync(join(tmpdir(), "bosun-features-"));
  mkdirSync(join(scratchDir, "stacks"));
  writeFileSync(join(scratchDir, "stacks", "Pulumi.first.yaml"), "config: {}\n");
  scratch = createOrchestrator({ db: handle.db, locks, events, workDir: scratchDir });
});

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await repo?.close();
  await scratch?.close();
  await locks?.close();
  await events?.close();
  await handle?.close();
  rmSync(scratchDir, { recursive: true, force: true });
});

describe("completions", () => {
  it("completes stack names, services of the chosen stack, templates and deployment ids", async () => {
    const client = await connect(repo);
    expect(client.getServerCapabilities()?.completions).toEqual({});
    const complete = async (
      ref: { type: "ref/resource"; uri: string } | { type: "ref/prompt"; name: string },
      name: string,
      value: string,
      context?: Record<string, string>,
    ) => (await client.complete({ ref, argument: { name, value }, ...(context ? { context: { arguments: context } } : {}) })).completion.values;

    expect(await complete({ type: "ref/resource", uri: "bosun://stacks/{stack}/spec" }, "stack", "de")).toContain("demo");
    expect(await complete({ type: "ref/prompt", name: "deploy-service" }, "stack", "")).toContain("demo");
    expect(await complete({ type: "ref/resource", uri: "bosun://stacks/{stack}/services/{service}" }, "service", "mine", { stack: "demo" })).toEqual([
      "minecraft",
    ]);
    const templates = await complete({ type: "ref/prompt", name: "deploy-service" }, "template", "minecraft");
    expect(templates).toEqual(expect.arrayContaining(["minecraft-java", "minecraft-bedrock"]));
    expect(templates.every((t) => t.startsWith("minecraft"))).toBe(true);
    expect(await complete({ type: "ref/resource", uri: "bosun://templates/{name}" }, "name", "MINECRAFT-J")).toEqual(["minecraft-java"]);

    const row = await startDeployment(handle.db, { stack: "demo", kind: "drift", actor: "test", owner: "features-test" });
    expect(await complete({ type: "ref/resource", uri: "bosun://deployments/{id}" }, "id", row.id.slice(0, 6))).toContain(row.id);
    // What bosun does not know gets no suggestions, not an error.
    expect(await complete({ type: "ref/prompt", name: "no-such-prompt" }, "x", "")).toEqual([]);
  });

  it("reads the resources whose arguments it completes", async () => {
    const client = await connect(repo);
    const template = await client.readResource({ uri: "bosun://templates/minecraft-java" });
    expect(JSON.parse((template.contents[0] as { text: string }).text)).toMatchObject({ name: "minecraft-java", image: "itzg/minecraft-server:java21" });
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(["bosun://stacks/demo/spec", "bosun://templates/minecraft-java"]));
  });
});

describe("logging", () => {
  it("declares the capability and accepts logging/setLevel", async () => {
    const client = await connect(repo);
    expect(client.getServerCapabilities()?.logging).toEqual({});
    await expect(client.setLoggingLevel("warning")).resolves.toEqual({});
    await expect(client.setLoggingLevel("nonsense" as "info")).rejects.toThrow();
  });
});

describe("subscriptions and list changes", () => {
  it("sends updates of a subscribed deployment while it runs, and of a stack's resources when one finishes", async () => {
    const client = await connect(repo);
    expect(client.getServerCapabilities()?.resources).toMatchObject({ subscribe: true, listChanged: true });
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
    const deployment = "bosun://deployments/11111111-2222-4333-8444-555555555555";
    await client.subscribeResource({ uri: deployment });
    await client.subscribeResource({ uri: "bosun://stacks/demo/spec" });
    await events.publish({ stack: "demo", type: "engine", deploymentId: "11111111-2222-4333-8444-555555555555", payload: { message: "create x…" } });
    await expect.poll(() => updates).toEqual([deployment]);
    await events.publish({
      stack: "demo",
      type: "deployment.finished",
      deploymentId: "11111111-2222-4333-8444-555555555555",
      payload: { status: "succeeded" },
    });
    await expect.poll(() => updates).toEqual([deployment, deployment, "bosun://stacks/demo/spec"]);
    // Another stack's events, and events after unsubscribing, are not sent.
    await client.unsubscribeResource({ uri: deployment });
    await events.publish({ stack: "other", type: "deployment.finished", deploymentId: "99999999-2222-4333-8444-555555555555" });
    await events.publish({ stack: "demo", type: "engine", deploymentId: "11111111-2222-4333-8444-555555555555" });
    await new Promise((r) => setTimeout(r, 300));
    expect(updates).toHaveLength(3);
  });

  it("tells clients when the list of stacks changes", async () => {
    const client = await connect(scratch);
    let changed = 0;
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void changed++);
    await new Promise((r) => setTimeout(r, 2500)); // the first poll has seen the list
    writeFileSync(join(scratchDir, "stacks", "Pulumi.second.yaml"), "config: {}\n");
    await expect.poll(() => changed, { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it("counts connected sessions", async () => {
    const before = await sessions();
    const client = await connect(scratch);
    expect(await sessions()).toBe(before + 1);
    await client.close();
    await expect.poll(sessions).toBe(before);
  });
});

async function sessions(): Promise<number> {
  const text = await registry.getSingleMetricAsString("bosun_mcp_sessions_active");
  return Number(/bosun_mcp_sessions_active\{transport="memory"\} (\d+)/.exec(text)?.[1] ?? 0);
}
