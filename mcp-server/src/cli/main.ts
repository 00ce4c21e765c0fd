// bosun's command line: `bosun serve`, `bosun mcp`, `bosun sim opnsense`, ….
// It finds its toolchain, state and services on its own (environment.ts), so
// an MCP client can start it from a minimal environment.
import { loadEnvironment } from "./environment.ts";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createMcpServer } from "../server.ts";
import { serveHttp } from "../http.ts";
import { startRuntime } from "../runtime.ts";
import { ensureStackSimulators } from "../simulators.ts";
import { addToken, listTokens, parseScopes, removeToken, tokenVerifier } from "../auth/tokens.ts";

const USAGE = `usage: bosun <command>
  serve [--listen 127.0.0.1:7878]   MCP over streamable HTTP
  mcp                               MCP over stdio (for client configs)
  token add <name> --scopes read,plan,apply | token list | token remove <name>
  sim opnsense [--port N]           the OPNsense API simulator
  translate "<request>" [--stack S] [--json]   words → spec change (offline; exit 3 on questions)
  plan ["<request>"] --stack S [--spec FILE] [--apply [--yes]] [--json]   preview + policy (the stack file's spec without a request)
  apply <planId> | approve <planId> [--note T]        carry out a plan | approve one (BOSUN_TOKEN: as that token)
  status|history|drift --stack S                      read the stack (drift exits 5 when it differs)
  rollback --stack S (--deployment ID | --at T)       plan a return to an earlier deployment
  destroy --stack S [--service NAME]                  plan a removal
  ci preview|apply --base REF [--head REF]            the pipeline: Markdown summary / apply the merged change
Every engine command takes --json. Exit codes: 0 ok, 1 failed, 2 bad input, 3 needs an answer,
4 refused by policy, 5 drift found.`;
/** The engine commands that mirror the MCP tools, by name. */
const ENGINE_COMMANDS = ["apply", "approve", "status", "history", "drift", "rollback", "destroy"] as const;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "serve") {
    const { values } = parseArgs({ args: rest, options: { listen: { type: "string", default: "127.0.0.1:7878" } } });
    const listen = values.listen ?? "127.0.0.1:7878";
    const cut = listen.lastIndexOf(":");
    const port = Number(listen.slice(cut + 1));
    if (cut < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--listen ${listen}: expected host:port with port 0-65535`);
    const host = listen.slice(0, cut);
    const verifier = tokenVerifier({ token: process.env.BOSUN_TOKEN });
    if (!["127.0.0.1", "localhost", "::1"].includes(host) && !verifier.configured) {
      throw new Error(`refusing to listen on ${host} without a token: create one with \`bosun token add\` (or set BOSUN_TOKEN), or listen on 127.0.0.1`);
    }
    const sims = await ensureStackSimulators();
    const runtime = await startRuntime(process.env, "server");
    for (const r of runtime.recovered) console.log(`recovered stack ${r.stack}: deployment ${r.deploymentId} was interrupted (${r.outcome})`);
    const http = await serveHttp({ host, port, verifier, context: runtime.context });
    for (const sim of sims) console.log(`OPNsense simulator on ${sim.url}`);
    console.log(`bosun MCP server on ${http.url}${verifier.configured ? " (bearer token required)" : " (loopback, no token)"}`);
    console.log(`Connect Claude Code:    claude mcp add --transport http bosun ${http.url}`);
    console.log(`Connect Claude Desktop: see README "Connect a client" (stdio: npx bosun mcp)`);
    console.log(`Then ask: "Deploy a Minecraft server for 10 players on VLAN 20" (stack demo).`);
    const stop = () =>
      void http
        .close()
        .then(() => runtime.close())
        .then(() => Promise.all(sims.map((sim) => sim.stop())))
        .then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    return;
  }
  if (command === "mcp") {
    // The same stacks as `bosun serve`, simulators included (stdout is the protocol: notes go to stderr).
    const sims = await ensureStackSimulators();
    for (const sim of sims) console.error(`bosun: OPNsense simulator on ${sim.url}`);
    const runtime = await startRuntime(process.env, "server");
    // stdio is the local user's own process: every scope, recorded as "stdio".
    const server = createMcpServer({ ...runtime.context, defaultActor: "stdio" });
    const stop = () =>
      void runtime
        .close()
        .then(() => Promise.all(sims.map((sim) => sim.stop())))
        .finally(() => process.exit(0));
    server.server.onclose = stop;
    process.on("SIGTERM", stop);
    await server.connect(new StdioServerTransport());
    return;
  }
  if (command === "token") {
    const [sub, name, ...more] = rest;
    if (sub === "add" && name) {
      const { values } = parseArgs({ args: more, options: { scopes: { type: "string", default: "read" } } });
      const token = addToken(name, parseScopes(values.scopes ?? "read"));
      console.log(`token "${name}" (${values.scopes}); shown once, store it now:\n${token}`);
      return;
    }
    if (sub === "list") {
      for (const t of listTokens()) console.log(`${t.name}\t${t.scopes.join(",")}\t${t.createdAt}`);
      return;
    }
    if (sub === "remove" && name) {
      console.log(removeToken(name) ? `removed ${name}` : `no token named ${name}`);
      return;
    }
    console.error("usage: bosun token add <name> --scopes read,plan,apply | token list | token remove <name>");
    process.exit(2);
  }
  if (command === "plan") {
    const { runCli } = await import("./translate.ts");
    const { planCommand } = await import("./plan.ts");
    process.exitCode = await runCli((io) => planCommand(rest, io));
    return;
  }
  if ((ENGINE_COMMANDS as readonly string[]).includes(command ?? "")) {
    const { runCli } = await import("./translate.ts");
    const c = await import("./commands.ts");
    const run = {
      apply: c.applyCommand,
      approve: c.approveCommand,
      status: c.statusCommand,
      history: c.historyCommand,
      drift: c.driftCommand,
      rollback: c.rollbackCommand,
      destroy: c.destroyCommand,
    }[command as (typeof ENGINE_COMMANDS)[number]];
    process.exitCode = await runCli((io) => run(rest, io));
    return;
  }
  if (command === "ci") {
    const { runCli } = await import("./translate.ts");
    const { ciCommand } = await import("./ci.ts");
    process.exitCode = await runCli((io) => ciCommand(rest, io));
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

loadEnvironment();
main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`bosun: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
