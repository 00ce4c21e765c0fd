// npm run bench -- mcp [--cpu-prof DIR]: the MCP server in its own process
// (`bosun serve`): warm `plan` against a raw `pulumi preview` of the same stack
// and spec (ratio, target ≤ 1.0); status with one client; status and history
// with 50 concurrent HTTP clients × 10 calls, after two unmeasured rounds of
// each (target p99 < 50 ms), from the bench's wire clients (wire-client.ts) and,
// for comparison, from SDK clients; the server's resident memory idle and under
// that load.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../../test/support/test-stack.ts";
import { concurrent, describe, single, warmUp, type LoadFigures } from "./load.ts";
import { peak, startServer, type BenchServer } from "./server.ts";
import { median, timeMs } from "./stats.ts";

const run$ = promisify(execFile);
const RUNS = 5;
export const CLIENTS = 50;
export const CALLS_PER_CLIENT = 10;
/** Measured: the server's CPU per call is ~2× in the first round of a fresh process, settled from the second. */
export const WARM_ROUNDS = 2;
const spec = { version: 1, networks: { bench: { vlan: 361, subnet: "10.31.61.0/24" }, lab: { vlan: 362, subnet: "10.31.62.0/24" } } };

export interface McpFigures {
  plan: number[];
  preview: number[];
  status1: LoadFigures;
  status: LoadFigures;
  history: LoadFigures;
  /** status and history under the same load from SDK clients in the bench's own process. */
  statusSdk: LoadFigures;
  historySdk: LoadFigures;
  rssIdleMb: number;
  rssLoadMb: number;
}

export interface McpBench {
  sim: Simulator;
  server: BenchServer;
  close(): Promise<void>;
}

export async function startMcpBench(nodeArgs: string[] = []): Promise<McpBench> {
  const sim = await startSimulator({ apiKey: "bench-key", apiSecret: "bench-secret", assignVlans: { "361": "10.31.61.1/24", "362": "10.31.62.1/24" } });
  const server = await startServer(CLIENTS, nodeArgs);
  return {
    sim,
    server,
    async close() {
      await server.stop();
      await sim.stop();
    },
  };
}

/** Deploys a two-network stack, then measures plan/preview, the reads and memory. */
export async function measureMcp(b: McpBench): Promise<McpFigures> {
  const test: TestStack = await createTestStack("bench-mcp", b.sim);
  try {
    const rssIdleMb = b.server.rssMb();
    const client = await b.server.connect(0);
    const first = (await client.callTool({ name: "plan", arguments: { stack: test.name, spec } })).structuredContent as { planId: string };
    await client.callTool({ name: "apply", arguments: { planId: first.planId } });
    await client.callTool({ name: "plan", arguments: { stack: test.name, spec } }); // warm-up
    const preview = () => run$("pulumi", ["preview", "--stack", test.name, "--non-interactive"], { cwd: REPO_ROOT });
    await preview();
    const plan: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      plan.push(await timeMs(() => client.callTool({ name: "plan", arguments: { stack: test.name, spec } })));
      raw.push(await timeMs(preview));
    }
    const status1 = await single(client, "status", test.name);
    await client.close();

    const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => b.server.connectWire(i + 1)));
    await warmUp(clients, ["status", "history"], test.name, CALLS_PER_CLIENT, WARM_ROUNDS);
    const stopPeak = peak(() => b.server.rssMb());
    const status = await concurrent(clients, "status", test.name, CALLS_PER_CLIENT);
    const history = await concurrent(clients, "history", test.name, CALLS_PER_CLIENT);
    const rssLoadMb = stopPeak();
    // The same sessions through the SDK client: the load generator then takes about half of the two cores.
    const sdk = clients.map((c) => c.sdk);
    await warmUp(sdk, ["status", "history"], test.name, CALLS_PER_CLIENT); // the SDK client's own paths, in this process
    const statusSdk = await concurrent(sdk, "status", test.name, CALLS_PER_CLIENT);
    const historySdk = await concurrent(sdk, "history", test.name, CALLS_PER_CLIENT);
    await Promise.all(clients.map((c) => c.close()));
    return { plan, preview: raw, status1, status, history, statusSdk, historySdk, rssIdleMb, rssLoadMb };
  } finally {
    await test.remove();
  }
}

const list = (xs: number[]) => `median ${median(xs).toFixed(0)} ms of ${xs.length} (${xs.map((v) => v.toFixed(0)).join(", ")})`;

export async function run(args: string[]): Promise<void> {
  const prof = args.indexOf("--cpu-prof");
  const nodeArgs = prof >= 0 ? ["--cpu-prof", `--cpu-prof-dir=${args[prof + 1] ?? "/tmp/bosun-prof"}`] : [];
  const b = await startMcpBench(nodeArgs);
  try {
    const f = await measureMcp(b);
    console.log(`plan over MCP (warm):      ${list(f.plan)}`);
    console.log(`pulumi preview (CLI):      ${list(f.preview)}`);
    console.log(`ratio plan / preview:      ${(median(f.plan) / median(f.preview)).toFixed(2)} (target ≤ 1.0)`);
    console.log(`status, 1 client:          ${describe(f.status1)}`);
    console.log(`status, ${CLIENTS} clients × ${CALLS_PER_CLIENT}: ${describe(f.status)} (target p99 < 50 ms)`);
    console.log(`history, ${CLIENTS} clients × ${CALLS_PER_CLIENT}: ${describe(f.history)} (target p99 < 50 ms)`);
    console.log(`  the same through SDK clients in the bench process: status ${describe(f.statusSdk)}; history ${describe(f.historySdk)}`);
    console.log(`server RSS: idle ${f.rssIdleMb.toFixed(0)} MiB, under load ${f.rssLoadMb.toFixed(0)} MiB (peak)`);
  } finally {
    await b.close();
  }
}
