// The SDK's own client against bosun's server, over streamable HTTP and stdio,
// so input and output schemas are really checked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { fileURLToPath } from "node:url";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveHttp } from "./http.ts";

const cli = fileURLToPath(new URL("./cli/main.ts", import.meta.url));
const text = (r: unknown) => (r as { content: { text: string }[] }).content[0]!.text;

const ENGINE_TOOLS = [
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
];

async function exercise(client: Client, extra: string[] = []) {
  const tools = await client.listTools();
  expect(tools.tools.map((t) => t.name).sort()).toEqual([...extra, "translate", "validate_spec"].sort());

  const bad = await client.callTool({
    name: "validate_spec",
    arguments: { spec: { version: 1, networks: { gaming: { vlan: 5000, subnet: "10.20.0.0/24" } } } },
  });
  expect(bad.isError).toBe(true);
  expect(text(bad)).toContain("networks.gaming.vlan");

  const t = await client.callTool({ name: "translate", arguments: { text: "Deploy a Minecraft server for 10 players on VLAN 20" } });
  const out = t.structuredContent as { spec: { networks: Record<string, { vlan: number }>; services: Record<string, { memoryMb: number }> } };
  expect(Object.values(out.spec.networks)[0]?.vlan).toBe(20);
  expect(out.spec.services.minecraft?.memoryMb).toBe(4096);
}

describe("MCP over streamable HTTP", () => {
  let http: Awaited<ReturnType<typeof serveHttp>>;
  beforeAll(async () => {
    http = await serveHttp({ host: "127.0.0.1", port: 0, token: "t0ken" });
  });
  afterAll(async () => http?.close());

  it("serves the tools to a client with the token", async () => {
    const client = new Client({ name: "test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { authorization: "Bearer t0ken" } } }));
    await exercise(client);
    await client.close();
  });

  it("refuses a client without the token", async () => {
    const client = new Client({ name: "test", version: "1" });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(http.url)))).rejects.toThrow(/missing or wrong bearer token/);
  });

  it("refuses to listen beyond loopback without a token", async () => {
    await expect(serveHttp({ host: "0.0.0.0", port: 0 })).rejects.toThrow(/without a token/);
  });
});

describe("MCP over stdio", () => {
  it("serves the tools through `bosun mcp`", async () => {
    const client = new Client({ name: "test", version: "1" });
    // Its own PGlite folder: the embedded database takes one process per folder.
    const state = mkdtempSync(join(tmpdir(), "bosun-stdio-"));
    const env = Object.fromEntries(Object.entries({ ...process.env, BOSUN_STATE: state }).filter((e): e is [string, string] => e[1] !== undefined));
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli, "mcp"], stderr: "pipe", env }));
    await exercise(client, ENGINE_TOOLS);
    const unknown = await client.callTool({ name: "history", arguments: { stack: "no-such-stack" } });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toContain('no stack named "no-such-stack"');
    await client.close();
    rmSync(state, { recursive: true, force: true });
  });
});
