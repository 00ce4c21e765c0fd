// Observed tool calls: each gets one correlation id for its log lines; a tool
// that only reads (readOnlyHint) logs its call at debug and its outcome at
// info, one that changes things logs both at info.
import { afterEach, describe, expect, it } from "vitest";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { log, tapLogs } from "./log.ts";
import { observeMcpServer } from "./mcp.ts";

const lines: Record<string, unknown>[] = [];
let untap = () => {};
afterEach(() => {
  untap();
  log.level = process.env["BOSUN_LOG_LEVEL"] ?? "info";
});

async function connected(): Promise<Client> {
  const server = new McpServer({ name: "observed", version: "1" }, { capabilities: { tools: {}, logging: {} } });
  observeMcpServer(server);
  const text = (t: string) => ({ content: [{ type: "text" as const, text: t }] });
  server.registerTool("look", { description: "reads", annotations: { readOnlyHint: true } }, async () => text("seen"));
  server.registerTool("change", { description: "writes", annotations: { readOnlyHint: false } }, async () => text("done"));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "test", version: "1" });
  await client.connect(clientSide);
  return client;
}

const about = (tool: string) => lines.filter((l) => l["tool"] === tool).map((l) => [l["level"], l["msg"]]);

describe("observeMcpServer", () => {
  it("logs a read-only tool's call at debug and every outcome at info, one correlation per call", async () => {
    const client = await connected();
    lines.length = 0;
    untap = tapLogs((l) => lines.push(JSON.parse(l) as Record<string, unknown>), { divert: true });
    log.level = "debug";
    await client.callTool({ name: "look", arguments: {} });
    await client.callTool({ name: "change", arguments: {} });
    expect(about("look")).toEqual([
      ["debug", "tool look called"],
      ["info", "tool look ok"],
    ]);
    expect(about("change")).toEqual([
      ["info", "tool change called"],
      ["info", "tool change ok"],
    ]);
    const ids = lines.filter((l) => l["tool"] === "look").map((l) => l["correlationId"]);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^[0-9a-f]{12}$/);
    expect(lines.find((l) => l["tool"] === "change")?.["correlationId"]).not.toBe(ids[0]);

    // At the default level a read leaves one line, its outcome.
    lines.length = 0;
    log.level = "info";
    await client.callTool({ name: "look", arguments: {} });
    expect(about("look")).toEqual([["info", "tool look ok"]]);
    await client.close();
  });
});
