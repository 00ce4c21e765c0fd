// bosun's command line: `bosun serve`, `bosun mcp`, `bosun sim opnsense`.
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createMcpServer } from "../server.ts";
import { serveHttp } from "../http.ts";

const USAGE = `usage: bosun <command>
  serve [--listen 127.0.0.1:7878]   MCP over streamable HTTP
  mcp                               MCP over stdio (for client configs)
  sim opnsense [--port N]           the OPNsense API simulator
  translate "<request>" [--stack S] [--json]   words → spec change (offline; exit 3 on questions)`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "serve") {
    const { values } = parseArgs({ args: rest, options: { listen: { type: "string", default: "127.0.0.1:7878" } } });
    const listen = values.listen ?? "127.0.0.1:7878";
    const cut = listen.lastIndexOf(":");
    const port = Number(listen.slice(cut + 1));
    if (cut < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--listen ${listen}: expected host:port with port 0-65535`);
    const http = await serveHttp({ host: listen.slice(0, cut), port, token: process.env.BOSUN_TOKEN });
    console.log(`bosun MCP server on ${http.url}`);
    console.log(`Connect a client, e.g.: claude mcp add --transport http bosun ${http.url}`);
    const stop = () => void http.close().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    return;
  }
  if (command === "mcp") {
    await createMcpServer().connect(new StdioServerTransport());
    return;
  }
  if (command === "translate") {
    const { runCli, translateCommand } = await import("./translate.ts");
    process.exitCode = await runCli((io) => translateCommand(rest, io));
    return;
  }
  if (command === "sim" && rest[0] === "opnsense") {
    process.argv = [process.argv[0]!, "sim", ...rest.slice(1)];
    await import(fileURLToPath(new URL("../../../providers/opnsense-dynamic/simulator/main.ts", import.meta.url)));
    return;
  }
  console.error(USAGE);
  process.exit(command ? 2 : 0);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`bosun: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
