// An MCP server, observed: every tool call is a piece of work of its own
// (context.ts) with a span, a duration, an outcome and log lines; the client's
// `logging/setLevel` decides which log notifications it gets during the call
// (an apply's progress, see orchestrator.ts); connected sessions are counted.
// Call before registering tools: it wraps registerTool.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { type CallToolResult, type ServerNotification, type ServerRequest, SetLevelRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { onConnection, transportKind } from "../features/lifecycle.ts";
import { type McpLogLevel, mcpLevelAllows, withCorrelation } from "./context.ts";
import { errorText, componentLog, logFailure } from "./log.ts";
import { maskSecrets } from "./mask.ts";
import { metrics } from "./metrics.ts";
import { inSpan } from "./trace.ts";

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type Handler = (...args: unknown[]) => CallToolResult | Promise<CallToolResult>;

const logger = componentLog("mcp");

/** Needs the server to declare the `logging` capability. */
export function observeMcpServer(server: McpServer): void {
  // Until the client says otherwise: info and above (debug is the engine's every step).
  let level: McpLogLevel = "info";
  server.server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    level = request.params.level;
    logger.debug({ level }, "client set its log level");
    return {};
  });

  const register = server.registerTool.bind(server) as (name: string, config: unknown, cb: Handler) => unknown;
  (server as { registerTool: unknown }).registerTool = (name: string, config: unknown, cb: Handler) =>
    register(
      name,
      config,
      observeTool(name, cb, () => level, (config as { annotations?: { readOnlyHint?: boolean } } | undefined)?.annotations?.readOnlyHint === true),
    );

  let kind: string | undefined;
  onConnection(server, {
    opened(transport) {
      kind = transportKind(transport);
      metrics.sessions.inc({ transport: kind });
    },
    closed: () => kind && metrics.sessions.dec({ transport: kind }),
  });
}

/** `readOnly`: the call itself is logged at debug (its outcome at info), as reads come many at a time. */
function observeTool(tool: string, cb: Handler, level: () => McpLogLevel, readOnly: boolean): Handler {
  const called = readOnly ? logger.debug : logger.info;
  return (...args: unknown[]) => {
    const extra = args[args.length - 1] as Extra;
    const notify = (lvl: McpLogLevel, data: Record<string, unknown>) => {
      if (!mcpLevelAllows(level(), lvl)) return;
      void extra
        .sendNotification({ method: "notifications/message", params: { level: lvl, logger: `bosun.${tool}`, data: maskSecrets(data) } })
        .catch(logFailure("mcp", "sending a log notification"));
    };
    const fields = {
      origin: "mcp",
      tool,
      notify,
      ...(extra.sessionId ? { sessionId: extra.sessionId } : {}),
      requestId: extra.requestId,
      ...(extra.authInfo?.clientId ? { actor: extra.authInfo.clientId } : {}),
    };
    return withCorrelation(fields, () =>
      inSpan(`mcp tool ${tool}`, { "mcp.tool.name": tool, "mcp.request.id": String(extra.requestId) }, async (span) => {
        const started = Date.now();
        called(`tool ${tool} called`);
        try {
          const result = await cb(...args);
          const outcome = result.isError ? "error" : "ok";
          metrics.toolCalls.inc({ tool, outcome });
          metrics.toolDuration.observe({ tool }, (Date.now() - started) / 1000);
          span.setAttribute("bosun.outcome", outcome);
          const first = result.isError ? (result.content[0] as { text?: string } | undefined)?.text?.split("\n")[0] : undefined;
          logger.info({ outcome, ms: Date.now() - started, ...(first ? { error: first } : {}) }, `tool ${tool} ${outcome}`);
          return result;
        } catch (err) {
          metrics.toolCalls.inc({ tool, outcome: "failed" });
          metrics.toolDuration.observe({ tool }, (Date.now() - started) / 1000);
          logger.error({ ms: Date.now() - started, err: errorText(err) }, `tool ${tool} failed`);
          throw err;
        }
      }),
    );
  };
}
