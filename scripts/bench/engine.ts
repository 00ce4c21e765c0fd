// Baseline: setup time, and `pulumi preview` of a one-resource stack (one
// OPNsense VLAN on the simulator) through the CLI and the Automation API.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { removeCheckpointBackups } from "../../test/support/test-stack.ts";
import { startSimulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { median, timeMs } from "./stats.ts";

const run$ = promisify(execFile);
const root = process.env.BOSUN_ROOT ?? process.cwd();
const RUNS = 5;

export async function run(args: string[]): Promise<void> {
  const warm = await timeMs(() => run$("bash", ["scripts/setup.sh"], { cwd: root }));
  console.log(`setup (warm): ${(warm / 1000).toFixed(1)} s`);
  if (args.includes("--cold")) {
    // Fresh build cache and output dir; the Go module download cache stays.
    const dir = mkdtempSync(join(tmpdir(), "bosun-cold-"));
    const cold = await timeMs(() =>
      run$("bash", ["scripts/toolchain/build-pulumi.sh"], {
        cwd: root,
        maxBuffer: 64 << 20,
        env: { ...process.env, BOSUN_CACHE: dir, GOCACHE: join(dir, "gocache"), BOSUN_TOOLCHAIN_LINK: join(dir, "link") },
      }),
    );
    console.log(`toolchain build (cold, module cache warm): ${(cold / 1000).toFixed(1)} s`);
    rmSync(dir, { recursive: true, force: true });
  }

  const sim = await startSimulator({ apiKey: "bench-key", apiSecret: "bench-secret", assignVlans: { "42": "10.42.0.1/24" } });
  const stackName = `test-bench-${randomBytes(3).toString("hex")}`;
  const pulumiCommand = await PulumiCommand.get({ root: join(root, ".tools/pulumi") });
  const stack = await LocalWorkspace.createStack({ stackName, workDir: root }, { pulumiCommand });
  try {
    await stack.setAllConfig({
      "bosun:spec": { value: JSON.stringify({ version: 1, networks: { bench: { vlan: 42, subnet: "10.42.0.0/24" } } }) },
      "opnsense:url": { value: sim.url },
      "opnsense:apiKey": { value: sim.apiKey },
      "opnsense:apiSecret": { value: sim.apiSecret, secret: true },
      "opnsense:caPem": { value: sim.caPem },
    });
    const cli: number[] = [];
    const auto: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      cli.push(await timeMs(() => run$("pulumi", ["preview", "--stack", stackName, "--non-interactive"], { cwd: root })));
      auto.push(await timeMs(() => stack.preview()));
    }
    console.log(`preview, one resource, CLI:            median ${median(cli).toFixed(0)} ms of ${RUNS} (${cli.map((v) => v.toFixed(0)).join(", ")})`);
    console.log(`preview, one resource, Automation API: median ${median(auto).toFixed(0)} ms of ${RUNS} (${auto.map((v) => v.toFixed(0)).join(", ")})`);
  } finally {
    await stack.workspace.removeStack(stackName, { force: true });
    removeCheckpointBackups("bosun", stackName);
    await sim.stop();
  }
}
