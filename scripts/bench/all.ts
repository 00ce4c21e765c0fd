// npm run bench -- all [--quick]: every figure of the performance table in one
// run, with its target, then the machine it ran on. The MCP load runs against
// `bosun serve` in its own process. The cold setup is a fresh clone with empty
// build caches; the suite is `scripts/test.sh` as CI runs it. --quick skips
// those two (they take many minutes) and says so in their rows.
import { execFile } from "node:child_process";
import { cpus, totalmem, tmpdir } from "node:os";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../test/support/test-stack.ts";
import { DEMO_SUBNET, exclusiveSubnet } from "../../test/support/exclusive.ts";
import { CALLS_PER_CLIENT, CLIENTS, measureMcp, startMcpBench } from "./mcp.ts";
import { INTENT, measureMinecraft } from "./minecraft.ts";
import { measureRules } from "./opnsense.ts";
import { startServer } from "./server.ts";
import { median, timeMs } from "./stats.ts";

const run$ = promisify(execFile);
const rows: [string, string, string][] = [];
const row = (figure: string, measured: string, target: string) => {
  rows.push([figure, measured, target]);
  console.error(`  ${figure}: ${measured}`);
};
const ms = (v: number) => `${v.toFixed(1)} ms`;
const s = (v: number) => `${(v / 1000).toFixed(1)} s`;
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");

async function setupWarm(): Promise<number> {
  return timeMs(() => run$("bash", ["scripts/setup.sh"], { cwd: REPO_ROOT, maxBuffer: 64 << 20 }));
}

/** A fresh clone set up with empty build caches (Go module and npm download caches kept; services excluded: they are shared by this machine). */
async function setupCold(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "bosun-cold-"));
  try {
    await run$("git", ["clone", "--quiet", REPO_ROOT, join(dir, "clone")]);
    const env: NodeJS.ProcessEnv = { ...process.env, BOSUN_CACHE: join(dir, "cache"), GOCACHE: join(dir, "gocache"), BOSUN_SERVICES: "0" };
    for (const key of ["BOSUN_ROOT", "BOSUN_STATE", "PULUMI_HOME", "PULUMI_BACKEND_URL", "NODE_COMPILE_CACHE"]) delete env[key];
    // The machine's own PATH: without this checkout's Node and tools, as on a fresh machine.
    const cache = process.env["BOSUN_CACHE"] ?? "";
    env["PATH"] = (env["PATH"] ?? "")
      .split(":")
      .filter((p) => !p.startsWith(REPO_ROOT) && !(cache && p.startsWith(cache)))
      .join(":");
    return await timeMs(() => run$("bash", ["scripts/setup.sh"], { cwd: join(dir, "clone"), env, maxBuffer: 64 << 20 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function suite(): Promise<{ ms: number; line: string }> {
  let out = "";
  const ms = await timeMs(async () => {
    const r = await run$("bash", ["scripts/test.sh"], { cwd: REPO_ROOT, maxBuffer: 256 << 20 }).catch((err: { stdout?: string }) => ({
      stdout: err.stdout ?? "",
    }));
    out = r.stdout;
  });
  return { ms, line: /Tests: .*/.exec(out)?.[0] ?? "no summary line" };
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes("--quick");
  console.error("bench all: warm setup");
  row("setup, warm (`bash scripts/setup.sh`, everything in place)", s(await setupWarm()), "—");

  console.error("bench all: MCP reads and plan vs preview (bosun serve in its own process)");
  const b = await startMcpBench();
  try {
    const f = await measureMcp(b);
    row("MCP `status`, 1 client", `p50 ${ms(f.status1.p50)}, p99 ${ms(f.status1.p99)}`, "keep (p50 2.7 ms)");
    const load = `${CLIENTS} concurrent HTTP clients × ${CALLS_PER_CLIENT} calls (the bench's wire clients), after two unmeasured rounds of each tool`;
    row(
      `MCP \`status\`, ${load}`,
      `p50 ${ms(f.status.p50)}, p99 ${ms(f.status.p99)}, ${f.status.perSecond.toFixed(0)} calls/s`,
      `p99 < 50 ms: ${verdict(f.status.p99 < 50)}`,
    );
    row(
      `MCP \`history\`, same load`,
      `p50 ${ms(f.history.p50)}, p99 ${ms(f.history.p99)}, ${f.history.perSecond.toFixed(0)} calls/s`,
      `p99 < 50 ms: ${verdict(f.history.p99 < 50)}`,
    );
    row(
      "the same two loads from 50 SDK clients in the bench's own process (it then takes about half the cores)",
      `status p50 ${ms(f.statusSdk.p50)}, p99 ${ms(f.statusSdk.p99)}; history p50 ${ms(f.historySdk.p50)}, p99 ${ms(f.historySdk.p99)}`,
      "— (for comparison)",
    );
    const ratio = median(f.plan) / median(f.preview);
    row(
      "warm `plan` / raw `pulumi preview`, same stack",
      `${ratio.toFixed(2)} (${median(f.plan).toFixed(0)} / ${median(f.preview).toFixed(0)} ms, medians of ${f.plan.length})`,
      `≤ 1.0: ${verdict(ratio <= 1)}`,
    );
    row("server resident memory", `idle ${f.rssIdleMb.toFixed(0)} MiB, under the load above ${f.rssLoadMb.toFixed(0)} MiB (peak)`, "—");
  } finally {
    await b.close();
  }

  console.error("bench all: the Minecraft request over MCP");
  // The request is for VLAN 20, whose Docker subnet (10.20.0.0/24) one engine gives to one network: take turns with the tests.
  const mc = await exclusiveSubnet(DEMO_SUBNET, async () => {
    const server = await startServer(0);
    try {
      return await measureMinecraft(server);
    } finally {
      await server.stop();
    }
  });
  const total = mc.planMs + mc.applyMs;
  row(`"${INTENT}": plan → applied (${mc.image})`, `${s(mc.planMs)} + ${s(mc.applyMs)} = ${s(total)}`, `< 15 s: ${verdict(total < 15_000)}`);

  console.error("bench all: firewall rules, checkpoints on (bosun's setting)");
  const r100 = await measureRules(100);
  const r1000 = await measureRules(1000);
  const growth = r1000.upMs / r100.upMs;
  row(
    "1 000 firewall rules: `up` with checkpoints on",
    `${s(r1000.upMs)} (N=100: ${s(r100.upMs)}; growth ${growth.toFixed(1)}×)`,
    `< 30 s and growth ≤ 12×: ${verdict(r1000.upMs < 30_000 && growth <= 12)}`,
  );

  if (quick) {
    row("setup, cold (fresh clone, empty build caches)", "skipped (--quick)", "—");
    row("full test suite wall time (`scripts/test.sh`)", "skipped (--quick)", "—");
  } else {
    console.error("bench all: the full test suite");
    const t = await suite();
    row("full test suite wall time (`scripts/test.sh`)", `${s(t.ms)} (${t.line})`, "warm CI run < 15 min");
    console.error("bench all: cold setup in a fresh clone");
    row("setup, cold (fresh clone, empty build caches; Go module and npm download caches kept, services excluded)", s(await setupCold()), "—");
  }

  console.log("| figure | measured | target |");
  console.log("|---|---|---|");
  for (const [figure, measured, target] of rows) console.log(`| ${figure} | ${measured} | ${target} |`);
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}`);
}
