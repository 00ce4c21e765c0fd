// Test helper: a `bosun serve` in a process of its own (and its own process
// group, so a SIGKILL takes the Pulumi CLI and plugins it started with it),
// with an MCP client connected to it over streamable HTTP.
import { spawn, type ChildProcess } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { REPO_ROOT } from "./test-stack.ts";

export interface ServerProcess {
  url: string;
  proc: ChildProcess;
  client: Client;
  /** stdout and stderr so far, for failure messages. */
  output(): string;
  call(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  kill(signal?: NodeJS.Signals): void;
  stop(): Promise<void>;
}

export interface ToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { text: string }[];
}

export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const proc = spawn(process.execPath, ["mcp-server/src/cli/main.ts", "serve", "--listen", "127.0.0.1:0"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bosun serve did not start in 90 s:\n${out}`)), 90_000);
    const look = () => {
      const m = /bosun MCP server on (http:\/\/\S+\/mcp)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout?.on("data", look);
    proc.on("exit", (code) => reject(new Error(`bosun serve exited (${code}):\n${out}`)));
  });
  const client = new Client({ name: "two-servers-test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    url,
    proc,
    client,
    output: () => out,
    call: async (name, args) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 300_000 })) as ToolResult,
    kill(signal = "SIGKILL") {
      if (proc.pid) signalGroup(proc.pid, signal);
    },
    async stop() {
      await client.close().catch(() => {});
      if (proc.exitCode === null && proc.signalCode === null && proc.pid) {
        const exited = new Promise((r) => proc.once("exit", r));
        if (signalGroup(proc.pid, "SIGTERM")) await exited;
      }
    },
  };
}

/** Signals a whole process group; false when it is already gone. */
function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
