// npm run bench -- mcp: warm `plan` over MCP (HTTP, the SDK client) against a
// raw `pulumi preview` of the same stack and spec, as a ratio (target ≤ 1.15);
// p50/p99 of status and history with 50 concurrent HTTP clients (target p99 < 50 ms).
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startSimulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createTestStack, REPO_ROOT } from "../../test/support/test-stack.ts";
import { median, percentile, timeMs } from "./stats.ts";

const run$ = promisify(execFile);
const RUNS = 5;
const CLIENTS = 50;
const CALLS_PER_CLIENT = 10;
const spec = { version: 1, networks: { bench: { vlan: 361, subnet: "10.31.61.0/24" }, lab: { vlan: 362, subnet: "10.31.62.0/24" } } };

export async function run(): Promise<void> {
  const sim = await startSimulator({ apiKey: "bench-key", apiSecret: "bench-secret", assignVlans: { "361": "10.31.61.1/24", "362": "10.31.62.1/24" } });
  const test = await createTestStack("bench-mcp", sim);
  // `bosun serve` in its own process (own embedded database), as a person runs it.
  const state = mkdtempSync(join(tmpdir(), "bosun-bench-mcp-"));
  const server = spawn(process.execPath, ["mcp-server/src/cli/main.ts", "serve", "--listen", "127.0.0.1:0"], {
    cwd: REPO_ROOT,
    env: { ...process.env, BOSUN_STATE: state, DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "inherit"],
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
  const connect = async () => {
    const c = new Client({ name: "bench", version: "1" });
    await c.connect(new StreamableHTTPClientTransport(new URL(url)));
    return c;
  };
  try {
    // Deploy once, then compare previews of the same spec (no changes) both ways.
    const client = await connect();
    const first = (await client.callTool({ name: "plan", arguments: { stack: test.name, spec } })).structuredContent as { planId: string };
    await client.callTool({ name: "apply", arguments: { planId: first.planId } });
    await client.callTool({ name: "plan", arguments: { stack: test.name, spec } }); // warm-up
    await run$("pulumi", ["preview", "--stack", test.name, "--non-interactive"], { cwd: REPO_ROOT });
    const plan: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      plan.push(await timeMs(() => client.callTool({ name: "plan", arguments: { stack: test.name, spec } })));
      raw.push(await timeMs(() => run$("pulumi", ["preview", "--stack", test.name, "--non-interactive"], { cwd: REPO_ROOT })));
    }
    console.log(`plan over MCP (warm):      median ${median(plan).toFixed(0)} ms of ${RUNS} (${plan.map((v) => v.toFixed(0)).join(", ")})`);
    console.log(`pulumi preview (CLI):      median ${median(raw).toFixed(0)} ms of ${RUNS} (${raw.map((v) => v.toFixed(0)).join(", ")})`);
    console.log(`ratio plan / preview:      ${(median(plan) / median(raw)).toFixed(2)} (target ≤ 1.15)`);
    await client.close();

    const clients = await Promise.all(Array.from({ length: CLIENTS }, connect));
    for (const tool of ["status", "history"] as const) {
      // One unmeasured call per client: session set-up and the status cache.
      await Promise.all(clients.map((c) => c.callTool({ name: tool, arguments: { stack: test.name } })));
      const times: number[] = [];
      const wall = await timeMs(() =>
        Promise.all(
          clients.map(async (c) => {
            for (let i = 0; i < CALLS_PER_CLIENT; i++) times.push(await timeMs(() => c.callTool({ name: tool, arguments: { stack: test.name } })));
          }),
        ),
      );
      console.log(
        `${tool.padEnd(7)} ${CLIENTS} clients × ${CALLS_PER_CLIENT}: p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms (target p99 < 50 ms), ${((times.length / wall) * 1000).toFixed(0)} calls/s`,
      );
    }
    await Promise.all(clients.map((c) => c.close()));
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    await test.remove();
    await sim.stop();
    rmSync(state, { recursive: true, force: true });
  }
}
