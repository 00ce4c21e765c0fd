// When an MCP server's connection closes: an HTTP session ends (DELETE, or the
// server stops) or a stdio client goes away. The SDK gives the server itself
// one `onclose`, which the CLI uses; this chains onto the transport's instead.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";

type Hook = { opened(transport: Transport): void; closed(): void };
const hooks = new WeakMap<McpServer, Hook[]>();

/** Calls `opened` when the server connects and `closed` once when that connection ends. */
export function onConnection(server: McpServer, hook: Partial<Hook>): void {
  let list = hooks.get(server);
  if (!list) {
    const registered: Hook[] = [];
    list = registered;
    hooks.set(server, registered);
    const connect = server.connect.bind(server);
    server.connect = async (transport: Transport) => {
      const previous = transport.onclose;
      let open = true;
      // The SDK chains onto the transport's onclose when it connects, so this one stays called.
      transport.onclose = () => {
        previous?.();
        if (!open) return;
        open = false;
        for (const h of registered) h.closed();
      };
      for (const h of registered) h.opened(transport);
      return connect(transport);
    };
  }
  list.push({ opened: hook.opened ?? (() => {}), closed: hook.closed ?? (() => {}) });
}

/** "http", "stdio", "memory", … from the transport's class. */
export function transportKind(transport: Transport): string {
  const name = transport.constructor.name;
  if (name.startsWith("StreamableHTTP")) return "http";
  if (name.startsWith("Stdio")) return "stdio";
  if (name.startsWith("InMemory")) return "memory";
  return name || "other";
}
