// A load generator's MCP client: the session is opened by the SDK client (its
// initialize handshake), then each tool call is one plain HTTP POST of the
// JSON-RPC request over the client's own keep-alive connection, and the answer
// (an SSE event or JSON) is parsed and checked as the SDK client checks it.
// Why: the SDK client's fetch and stream parsing cost as much CPU per call as
// the server's whole handling, and the bench's 50 clients share the server's
// two cores; clients on people's own machines would not.
import { Agent, request } from "node:http";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export interface ToolCaller {
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<CallToolResult>;
  /** The SDK client of the same session, for comparison. */
  sdk: Client;
  close(): Promise<void>;
}

/** Calls tools in `sdk`'s session (opened over `transport`) with `headers` (the bearer token). */
export function wireClient(url: string, headers: Record<string, string>, sdk: Client, transport: StreamableHTTPClientTransport): ToolCaller {
  const { sessionId, protocolVersion } = transport;
  if (!sessionId || !protocolVersion) throw new Error("the SDK client has no session yet");
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url);
  const base = {
    ...headers,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-session-id": sessionId,
    "mcp-protocol-version": protocolVersion,
  };
  let next = 1_000_000; // far from the SDK client's own ids in the same session
  return {
    sdk,
    async callTool(params) {
      const id = next++;
      const body = JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params });
      const { status, type, text } = await post(target, agent, { ...base, "content-length": String(Buffer.byteLength(body)) }, body);
      if (status !== 200) throw new Error(`tools/call ${params.name}: HTTP ${status}: ${text.slice(0, 200)}`);
      const message = (type.startsWith("text/event-stream") ? sseMessages(text) : [JSON.parse(text)]).find((m) => m.id === id);
      if (!message) throw new Error(`tools/call ${params.name}: no answer to request ${id} in ${text.slice(0, 200)}`);
      if (message.error) throw new Error(`tools/call ${params.name}: ${JSON.stringify(message.error)}`);
      return CallToolResultSchema.parse(message.result);
    },
    async close() {
      agent.destroy();
      await sdk.close();
    },
  };
}

function post(url: URL, agent: Agent, headers: Record<string, string>, body: string): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The JSON-RPC messages in an SSE body: each event's data lines, joined. */
function sseMessages(text: string): Array<{ id?: number; result?: unknown; error?: unknown }> {
  return text
    .split(/\r?\n\r?\n/)
    .map((event) =>
      event
        .split(/\r?\n/)
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).replace(/^ /, ""))
        .join("\n"),
    )
    .filter((data) => data !== "")
    .map((data) => JSON.parse(data));
}
