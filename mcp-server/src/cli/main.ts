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
import { describeSimulator, ensureStackSimulators } from "../simulators.ts";
import { addToken, listTokens, parseExpiry, parseScopes, parseStacks, removeToken, tokenVerifier } from "../auth/tokens.ts";
import { oauthOptionsFromEnv } from "../auth/oauth.ts";
import { log } from "../observability/log.ts";
import { startTracing } from "../observability/trace.ts";

const USAGE = `usage: bosun <command>
  serve [--listen 127.0.0.1:7878] [--tls-cert F --tls-key F | --insecure-http]
        [--allowed-hosts h1,h2] [--allowed-origins o1,o2] [--public-url URL]
                                    MCP over streamable HTTP (OAuth: BOSUN_OAUTH_ISSUER, see README)
  mcp                               MCP over stdio (for client configs)
  token add <name> --scopes read,plan,apply,secrets [--stacks demo,lab] [--expires 30d]
  token list | token remove <name>  (a running server sees changes at once)
  audit export [--stack S] [--since ISO]   the audit log as JSON lines
  sim opnsense [--port N] [--version 24.7|…|26.7] [--stack S]   the OPNsense API simulator (a stack's credentials with --stack)
  sim proxmox [--port N] [--token-id ID --token-secret S]   the Proxmox VE API simulator
  import compose <file> --stack S [--network N | --vlan V] [--apply [--yes]] [--json]   a Compose file → spec entries, previewed
  translate "<request>" [--stack S] [--json]   words → spec change (offline; exit 3 on questions)
  plan ["<request>"] --stack S [--spec FILE] [--apply [--yes]] [--json]   preview + policy (the stack file's spec without a request)
  apply <planId> | approve <planId> [--note T]        carry out a plan | approve one (BOSUN_TOKEN: as that token)
  status|history|drift --stack S                      read the stack (drift exits 5 when it differs)
  rollback --stack S (--deployment ID | --at T)       plan a return to an earlier deployment
  destroy --stack S [--service NAME]                  plan a removal
  opnsense backups --stack S                          the stack's OPNsense config backups
  opnsense restore --stack S --backup ID [--yes]      plan restoring one, ask, apply (refreshes the stack)
  ci preview|apply --base REF [--head REF]            the pipeline: Markdown summary / apply the merged change
Every engine command takes --json. Exit codes: 0 ok, 1 failed, 2 bad input, 3 needs an answer,
4 refused by policy, 5 drift found.`;
/** The engine commands that mirror the MCP tools, by name. */
const ENGINE_COMMANDS = ["apply", "approve", "status", "history", "drift", "rollback", "destroy"] as const;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "serve") {
    const { values } = parseArgs({
      args: rest,
      options: {
        listen: { type: "string", default: "127.0.0.1:7878" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "insecure-http": { type: "boolean", default: false },
        "allowed-hosts": { type: "string" },
        "allowed-origins": { type: "string" },
        "public-url": { type: "string" },
      },
    });
    const env = process.env;
    const listen = values.listen ?? "127.0.0.1:7878";
    const cut = listen.lastIndexOf(":");
    const port = Number(listen.slice(cut + 1));
    if (cut < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--listen ${listen}: expected host:port with port 0-65535`);
    const host = listen.slice(0, cut).replace(/^\[|\]$/g, "");
    const list = (v: string | undefined) =>
      v
        ? v
            .split(",")
            .map((x) => x.trim())
            .filter(Boolean)
        : undefined;
    const certFile = values["tls-cert"] ?? env["BOSUN_TLS_CERT"];
    const keyFile = values["tls-key"] ?? env["BOSUN_TLS_KEY"];
    if ((certFile === undefined) !== (keyFile === undefined)) throw new Error("give both --tls-cert and --tls-key (PEM files), or neither");
    const verifier = tokenVerifier({ token: env["BOSUN_TOKEN"] });
    const oauth = oauthOptionsFromEnv(env);
    const allowedHosts = list(values["allowed-hosts"] ?? env["BOSUN_ALLOWED_HOSTS"]);
    const allowedOrigins = list(values["allowed-origins"] ?? env["BOSUN_ALLOWED_ORIGINS"]);
    const publicUrl = values["public-url"] ?? env["BOSUN_PUBLIC_URL"];
    const options = {
      host,
      port,
      verifier,
      ...(oauth ? { oauth } : {}),
      ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
      allowInsecureHttp: values["insecure-http"] === true || env["BOSUN_ALLOW_INSECURE_HTTP"] === "1",
      ...(allowedHosts ? { allowedHosts } : {}),
      ...(allowedOrigins ? { allowedOrigins } : {}),
      ...(publicUrl ? { publicUrl } : {}),
    };
    // Refuse a wrong edge (no token, no TLS) before starting anything.
    await (await serveHttp({ ...options, port: 0 })).close();
    const tracing = startTracing();
    const sims = await ensureStackSimulators();
    const runtime = await startRuntime(process.env, "server");
    for (const r of runtime.recovered) log.warn({ ...r }, `recovered stack ${r.stack}: deployment ${r.deploymentId} was interrupted (${r.outcome})`);
    const http = await serveHttp({ ...options, context: runtime.context });
    log.info({ url: http.url, tokens: verifier.configured, tracing: tracing.enabled }, "bosun serve listening");
    for (const sim of sims) console.log(describeSimulator(sim));
    console.log(`bosun MCP server on ${http.url}${verifier.configured || oauth ? " (bearer token required)" : " (loopback, no token)"}`);
    if (http.metadataUrl) console.log(`OAuth resource metadata: ${http.metadataUrl} (issuer ${oauth?.issuer})`);
    console.log(
      `Dashboard: ${http.url.replace(/\/mcp$/, "/")}${verifier.configured || oauth ? " (sign in with a token)" : ""}; metrics at /metrics, health at /healthz and /readyz`,
    );
    console.log(`Connect Claude Code:    claude mcp add --transport http bosun ${http.url}`);
    console.log(`Connect Claude Desktop: see README "Connect a client" (stdio: npx bosun mcp)`);
    console.log(`Then ask: "Deploy a Minecraft server for 10 players on VLAN 20" (stack demo).`);
    const stop = () =>
      void http
        .close()
        .then(() => runtime.close())
        .then(() => Promise.all(sims.map((sim) => sim.stop())))
        .then(() => tracing.shutdown())
        .then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    return;
  }
  if (command === "mcp") {
    // The same stacks as `bosun serve`, simulators included (stdout is the protocol: notes go to stderr).
    const tracing = startTracing();
    const sims = await ensureStackSimulators();
    for (const sim of sims) log.info({ simulator: describeSimulator(sim) }, "simulator started");
    const runtime = await startRuntime(process.env, "server");
    // stdio is the local user's own process: every scope, recorded as "stdio".
    const server = createMcpServer({ ...runtime.context, defaultActor: "stdio" });
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void runtime
        .close()
        .then(() => Promise.all(sims.map((sim) => sim.stop())))
        .then(() => tracing.shutdown())
        .finally(() => process.exit(0));
    };
    server.server.onclose = stop;
    process.on("SIGTERM", stop);
    await server.connect(new StdioServerTransport());
    // A client that goes away closes our stdin, which the SDK's transport does not notice: without
    // this the server outlives its client (a launcher such as npx may be killed without us), holding
    // its simulators' ports.
    process.stdin.once("end", stop);
    process.stdin.once("close", stop);
    return;
  }
  if (command === "token") {
    const [sub, name, ...more] = rest;
    if (sub === "add" && name) {
      const { values } = parseArgs({
        args: more,
        options: { scopes: { type: "string", default: "read" }, stacks: { type: "string" }, expires: { type: "string" } },
      });
      const stacks = values.stacks ? parseStacks(values.stacks) : undefined;
      const expiresAt = values.expires ? parseExpiry(values.expires) : undefined;
      const token = addToken(name, parseScopes(values.scopes ?? "read"), undefined, { ...(stacks ? { stacks } : {}), ...(expiresAt ? { expiresAt } : {}) });
      const limits = [stacks ? `stacks ${stacks.join(",")}` : "", expiresAt ? `until ${expiresAt.toISOString()}` : ""].filter(Boolean).join("; ");
      console.log(`token "${name}" (${values.scopes}${limits ? `; ${limits}` : ""}); shown once, store it now:\n${token}`);
      return;
    }
    if (sub === "list") {
      for (const t of listTokens()) console.log(`${t.name}\t${t.scopes.join(",")}\t${t.stacks?.join(",") ?? "*"}\t${t.expiresAt ?? "-"}\t${t.createdAt}`);
      return;
    }
    if (sub === "remove" && name) {
      console.log(removeToken(name) ? `removed ${name}` : `no token named ${name}`);
      return;
    }
    console.error("usage: bosun token add <name> --scopes read,plan,apply | token list | token remove <name>");
    process.exit(2);
  }
  if (command === "audit" && rest[0] === "export") {
    const { values } = parseArgs({ args: rest.slice(1), options: { stack: { type: "string" }, since: { type: "string" } } });
    const since = values.since ? new Date(values.since) : undefined;
    if (since && Number.isNaN(since.getTime())) throw new Error(`--since ${values.since}: give an ISO 8601 time`);
    const { createDb, dbOptionsFromEnv } = await import("../db/client.ts");
    const { readAudit, toJsonLines } = await import("../audit/log.ts");
    const handle = await createDb(dbOptionsFromEnv(process.env));
    try {
      let afterId: number | undefined;
      for (;;) {
        const page = await readAudit(handle.db, {
          ...(values.stack ? { stack: values.stack } : {}),
          ...(since ? { since } : {}),
          ...(afterId !== undefined ? { afterId } : {}),
          limit: 1000,
        });
        if (page.length === 0) break;
        process.stdout.write(toJsonLines(page));
        afterId = page[page.length - 1]?.id;
      }
    } finally {
      await handle.close();
    }
    return;
  }
  if (command === "plan") {
    // The terminal shows the plan itself; the server's operational log lines only when asked for.
    if (!process.env["BOSUN_LOG_LEVEL"]) log.level = "warn";
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
  if (command === "opnsense") {
    const { runCli } = await import("./translate.ts");
    const { opnsenseCommand } = await import("./opnsense.ts");
    process.exitCode = await runCli((io) => opnsenseCommand(rest, io));
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
  if (command === "sim" && (rest[0] === "opnsense" || rest[0] === "proxmox")) {
    const main = rest[0] === "opnsense" ? "opnsense-dynamic" : "proxmox-dynamic";
    process.argv = [process.argv[0]!, "sim", ...rest.slice(1)];
    await import(fileURLToPath(new URL(`../../../providers/${main}/simulator/main.ts`, import.meta.url)));
    return;
  }
  if (command === "import" && rest[0] === "compose") {
    const { runCli } = await import("./translate.ts");
    const { importComposeCommand } = await import("./import-compose.ts");
    process.exitCode = await runCli((io) => importComposeCommand(rest.slice(1), io));
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
