// Builds bosun's MCP server. This first version carries the read-only tools
// over the spec contract; plan/apply/status/history/drift arrive with the
// orchestrator (issue "The MCP server: preview, then apply").
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerValidateSpecTool } from "./tools/validate-spec.ts";
import { registerTranslateTool } from "./tools/translate.ts";

export const SERVER_INFO = { name: "bosun", version: "0.1.0" };

export function createMcpServer(): McpServer {
  const server = new McpServer(SERVER_INFO, { capabilities: { tools: {} } });
  registerValidateSpecTool(server);
  registerTranslateTool(server);
  return server;
}
