// `bosun serve` in its own process, as a person runs it: its own state folder
// (embedded database, tokens), loopback, one bearer token per client (each
// client is its own caller, as 50 people would be), and its resident memory
// read from /proc.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { addToken, type Scope } from "../../mcp-server/src/auth/tokens.ts";
import { REPO_ROOT } from "../../test/support/test-stack.ts";
import { type ToolCaller, wireClient } from "./wire-client.ts";

export interface BenchServer {
  url: string;
  pid: number;
  /** A client speaking as token `i` (made at start; 0 has every scope). */
  connect(i: number): Promise<Client>;
  /** The same, calling tools through the bench's wire client (wire-client.ts). */
  connectWire(i: number): Promise<ToolCaller>;
  /** Resident set size now, in MiB. */
  rssMb(): number;
  stop(): Promise<void>;
}

/** `clients` read-only tokens plus one with every scope; `nodeArgs` e.g. ["--cpu-prof"]. */
export async function startServer(clients: number, nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<BenchServer> {
  const state = mkdtempSync(join(tmpdir(), "bosun-bench-serve-"));
  const file = join(state, "tokens.json");
  const all: Scope[] = ["read", "plan", "apply", "secrets"];
  const tokens = Array.from({ length: clients + 1 }, (_, i) => addToken(`bench-${i}`, i === 0 ? all : ["read"], file));
  const server = spawn(process.execPath, [...nodeArgs, "mcp-server/src/cli/main.ts", "serve", "--listen", "127.0.0.1:0"], {
    cwd: REPO_ROOT,
    // BOSUN_SIMULATORS=0: the demo stack's simulators stay off (their ports belong to the person's own `bosun serve`).
    env: { ...process.env, BOSUN_STATE: state, DATABASE_URL: "", REDIS_URL: "", BOSUN_SIMULATORS: "0", ...env },
    stdio: ["ignore", "pipe", process.env.BENCH_SERVER_STDERR === "inherit" ? "inherit" : "ignore"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /MCP server on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    server.on("exit", (code) => reject(new Error(`bosun serve exited (${code})`)));
  });
  server.stdout.resume();
  const pid = server.pid ?? 0;
  const open = async (i: number) => {
    const client = new Client({ name: `bench-${i}`, version: "1" });
    const headers = { authorization: `Bearer ${tokens[i]}` };
    const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
    await client.connect(transport);
    return { client, transport, headers };
  };
  return {
    url,
    pid,
    async connect(i) {
      return (await open(i)).client;
    },
    async connectWire(i) {
      const { client, transport, headers } = await open(i);
      return wireClient(url, headers, client, transport);
    },
    rssMb() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      return m?.[1] ? Number(m[1]) / 1024 : Number.NaN;
    },
    async stop() {
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once("exit", r));
        server.kill("SIGTERM");
        await exited;
      }
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** Samples `sample()` every `everyMs` until stopped; returns the highest value seen. */
export function peak(sample: () => number, everyMs = 50): () => number {
  let max = sample();
  const timer = setInterval(() => {
    max = Math.max(max, sample());
  }, everyMs);
  return () => {
    clearInterval(timer);
    return Math.max(max, sample());
  };
}
