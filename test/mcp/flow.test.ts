// The MCP server as clients use it: the SDK's own client over streamable HTTP
// with scoped bearer tokens, and the MCP Inspector's CLI. Real engine, OPNsense
// simulator, PostgreSQL (PGlite when not configured), Redis locks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SUBNET, exclusiveSubnet } from "../support/exclusive.ts";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createDb, type DbHandle } from "../../mcp-server/src/db/client.ts";
import { openFreshPostgres } from "../support/test-databases.ts";
import { createLockManager, type LockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../support/test-stack.ts";
import { serveHttp } from "../../mcp-server/src/http.ts";
import { tokenVerifier } from "../../mcp-server/src/auth/tokens.ts";

const run = promisify(execFile);
const OPS = "ops-token-0123456789";
const VIEWER = "viewer-token-0123456789";
const text = (r: unknown) => (r as { content: { text: string }[] }).content.map((c) => c.text).join("\n");

let sim: Simulator;
let handle: DbHandle;
let locks: LockManager;
let test: TestStack;
let http: Awaited<ReturnType<typeof serveHttp>>;

async function connect(token?: string): Promise<Client> {
  const client = new Client({ name: "flow-test", version: "1" });
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers } }));
  return client;
}

beforeAll(async () => {
  sim = await startSimulator({
    apiKey: "flow-key",
    apiSecret: "flow-secret-value-98765",
    assignVlans: { "20": "10.20.0.1/24", "341": "10.31.41.1/24", "342": "10.31.42.1/24" },
  });
  const url = process.env["BOSUN_TEST_DATABASE_URL"];
  handle = url ? await openFreshPostgres(url) : await createDb({ dataDir: "memory" });
  const redisUrl = process.env["BOSUN_REDIS_URL"];
  locks = createLockManager(redisUrl ? { redisUrl } : {});
  // Its own loopback address: the demo test publishes the same 25565 on 127.0.0.1, maybe at the same time.
  test = await createTestStack("mcp", sim, {
    "bosun:localImages": JSON.stringify({ "itzg/minecraft-server:java21": "bosun/minecraft-standin:1" }),
    "bosun:publishAddress": "127.0.0.2",
  });
  const orchestrator = createOrchestrator({ db: handle.db, locks, workDir: REPO_ROOT });
  const verifier = tokenVerifier({
    file: null,
    extra: [
      { token: OPS, principal: { name: "ops", scopes: ["read", "plan", "apply"] } },
      { token: VIEWER, principal: { name: "viewer", scopes: ["read"] } },
    ],
  });
  http = await serveHttp({ host: "127.0.0.1", port: 0, verifier, context: { orchestrator, db: handle.db } });
});

afterAll(async () => {
  await http?.close();
  await test?.remove();
  await locks?.close();
  await handle?.close();
  await sim?.stop();
});

describe("MCP plan → apply flow over HTTP", () => {
  it("refuses a client without a token", async () => {
    await expect(connect()).rejects.toThrow(/missing or wrong bearer token/);
  });

  it("lists every tool with schemas and honest annotations", async () => {
    const client = await connect(OPS);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "apply",
      "approve",
      "destroy",
      "drift",
      "get_secret",
      "history",
      "import_compose",
      "opnsense_backups",
      "plan",
      "plan_restore",
      "rollback",
      "status",
      "translate",
      "validate_spec",
    ]);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.apply?.annotations?.readOnlyHint).toBe(false);
    for (const name of ["plan", "status", "history", "drift", "rollback", "destroy", "get_secret", "opnsense_backups", "plan_restore"])
      expect(byName[name]?.annotations?.readOnlyHint).toBe(true);
    expect(byName.plan?.outputSchema).toBeDefined();
    const prompts = await client.listPrompts();
    expect(prompts.prompts.map((p) => p.name)).toContain("deploy-service");
    await client.close();
  });

  it("turns bad input into tool errors that say what to do, applying nothing", async () => {
    const client = await connect(OPS);
    const unknown = await client.callTool({ name: "status", arguments: { stack: "nope" } });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/no stack named "nope"[\s\S]*What to do/);
    const bad = await client.callTool({
      name: "plan",
      arguments: { stack: test.name, spec: { version: 1, networks: { gaming: { vlan: 9999, subnet: "10.31.41.0/24" } } } },
    });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain("networks.gaming.vlan");
    const noPlan = await client.callTool({ name: "apply", arguments: { planId: "plan_doesnotexist" } });
    expect(noPlan.isError).toBe(true);
    expect(text(noPlan)).toMatch(/no plan plan_doesnotexist[\s\S]*make a plan/);
    expect(text(noPlan)).not.toMatch(/\n\s+at /);
    expect(Object.keys(sim.items("vlans"))).toHaveLength(0);
    await client.close();
  });

  it("plans an intent into a preview of the Minecraft request", async () => {
    const client = await connect(OPS);
    const r = await client.callTool({ name: "plan", arguments: { stack: test.name, intent: "Deploy a Minecraft server for 10 players on VLAN 20" } });
    expect(r.isError).toBeFalsy();
    const plan = r.structuredContent as {
      planId: string;
      counts: { create: number };
      changes: { name: string; type: string; op: string; fields: Record<string, unknown> }[];
      assumptions: string[];
    };
    expect(plan.planId).toMatch(/^plan_/);
    const created = (type: string) => plan.changes.filter((c) => c.op === "create" && c.type.endsWith(type));
    // VLAN 20, its DHCP range, the 25565 rule, the container with its memory limit, the DNS record.
    expect(created(":Vlan").map((c) => c.fields.tag)).toEqual([20]);
    expect(created(":DhcpRange").map((c) => [c.fields.start, c.fields.end])).toEqual([["10.20.0.100", "10.20.0.199"]]);
    expect(created(":FirewallRule").some((c) => c.fields.destinationPort === "25565")).toBe(true);
    expect(created(":Container").map((c) => c.fields.memoryMb)).toEqual([4096]);
    expect(created(":HostOverride").map((c) => c.fields.hostname)).toEqual(["minecraft"]);
    expect(plan.assumptions.join(" ")).toMatch(/4096|4 ?GiB/);
    expect(text(r)).toContain("Nothing has changed yet");
    expect(Object.keys(sim.items("vlans"))).toHaveLength(0);
    await client.close();
  });

  it("lets a read-only token look but not apply", async () => {
    const ops = await connect(OPS);
    const plan = (
      await ops.callTool({ name: "plan", arguments: { stack: test.name, spec: { version: 1, networks: { lab: { vlan: 341, subnet: "10.31.41.0/24" } } } } })
    ).structuredContent as { planId: string };
    await ops.close();
    const viewer = await connect(VIEWER);
    const denied = await viewer.callTool({ name: "apply", arguments: { planId: plan.planId } });
    expect(denied.isError).toBe(true);
    expect(text(denied)).toContain('lacks the "apply" scope');
    const planDenied = await viewer.callTool({ name: "plan", arguments: { stack: test.name, spec: { version: 1 } } });
    expect(planDenied.isError).toBe(true);
    expect((await viewer.callTool({ name: "history", arguments: { stack: test.name } })).isError).toBeFalsy();
    await viewer.close();
    expect(Object.keys(sim.items("vlans"))).toHaveLength(0);
  });

  it("applies with progress, then shows status, history and no drift, and destroys", () =>
    // The demo's Docker subnet is one per engine: tests using it take turns.
    exclusiveSubnet(DEMO_SUBNET, async () => {
      const client = await connect(OPS);
      // The Minecraft request on a segment of its own; the image is the local stand-in
      // (bosun:localImages on this stack) and its health check runs every 2 s.
      const minecraft = {
        version: 1,
        networks: { lab: { vlan: 342, subnet: "10.31.42.0/24" } },
        services: {
          minecraft: {
            template: "minecraft-java",
            network: "lab",
            memoryMb: 4096,
            env: { MAX_PLAYERS: "10" },
            healthCheck: { command: ["mc-health"], intervalSeconds: 2 },
          },
        },
      };
      const plan = (await client.callTool({ name: "plan", arguments: { stack: test.name, spec: minecraft } })).structuredContent as { planId: string };
      const progress: string[] = [];
      const applied = await client.callTool({ name: "apply", arguments: { planId: plan.planId } }, undefined, {
        onprogress: (p) => progress.push(p.message ?? ""),
      });
      expect(applied.isError, JSON.stringify(applied.content).slice(0, 3000)).toBeFalsy();
      expect((applied.structuredContent as { status: string }).status).toBe("succeeded");
      expect(progress.length).toBeGreaterThan(0);
      expect(Object.values(sim.items("vlans")).map((v) => v.tag)).toEqual(["342"]);
      expect(Object.values(sim.items("hostOverrides", "live")).map((h) => h.hostname)).toEqual(["minecraft"]);

      const status = (await client.callTool({ name: "status", arguments: { stack: test.name } })).structuredContent as {
        resources: { name: string }[];
        lastDeployment: { status: string; actor: string };
      };
      expect(status.resources.map((r) => r.name)).toContain("lab-vlan");
      expect(JSON.stringify(status)).toContain("10.31.42.10"); // the service address among the outputs
      expect(status.lastDeployment).toMatchObject({ status: "succeeded", actor: "ops" });
      const history = (await client.callTool({ name: "history", arguments: { stack: test.name, limit: 50 } })).structuredContent as {
        deployments: { kind: string; status: string; actor: string }[];
      };
      expect(history.deployments[0]).toMatchObject({ kind: "apply", status: "succeeded", actor: "ops" });
      const drift = (await client.callTool({ name: "drift", arguments: { stack: test.name } })).structuredContent as { drifted: unknown[] };
      expect(drift.drifted).toHaveLength(0);
      const spec = await client.readResource({ uri: `bosun://stacks/${test.name}/spec` });
      expect((spec.contents[0] as { text: string }).text).toContain("342");

      const destroy = (await client.callTool({ name: "destroy", arguments: { stack: test.name } })).structuredContent as {
        planId: string;
        counts: { delete: number };
      };
      expect(destroy.counts.delete).toBeGreaterThan(0);
      expect(Object.values(sim.items("vlans"))).toHaveLength(1); // a destroy plan alone changes nothing
      const gone = await client.callTool({ name: "apply", arguments: { planId: destroy.planId } });
      expect(gone.isError).toBeFalsy();
      expect(Object.values(sim.items("vlans"))).toHaveLength(0);
      const used = await client.callTool({ name: "apply", arguments: { planId: destroy.planId } });
      expect(used.isError).toBe(true);
      await client.close();
    }));

  it("answers the MCP Inspector's CLI", async () => {
    const inspector = `${REPO_ROOT}/node_modules/@modelcontextprotocol/inspector/cli/build/cli.js`;
    const base = [inspector, "--cli", http.url, "--transport", "http", "--header", `Authorization: Bearer ${OPS}`];
    const list = await run(process.execPath, [...base, "--method", "tools/list"], { timeout: 120_000 });
    expect(JSON.parse(list.stdout).tools.map((t: { name: string }) => t.name)).toContain("plan");
    const plan = await run(
      process.execPath,
      [
        ...base,
        "--method",
        "tools/call",
        "--tool-name",
        "plan",
        "--tool-arg",
        `stack=${test.name}`,
        "--tool-arg",
        "intent=Deploy a Minecraft server for 10 players on VLAN 20",
      ],
      { timeout: 180_000 },
    );
    const result = JSON.parse(plan.stdout) as { structuredContent: { planId: string; counts: { create: number } } };
    expect(result.structuredContent.planId).toMatch(/^plan_/);
    expect(result.structuredContent.counts.create).toBeGreaterThan(0);
  });
});
