// npm run bench -- stack: wall time of preview, up and destroy of the demo
// stack (the Minecraft request: VLAN, DHCP, rules, Docker network, container,
// DNS) next to the one-resource baseline, both through the pulumi CLI.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { startSimulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { stackAssignments as demoAssignments } from "../../mcp-server/src/simulators.ts";
import { REPO_ROOT, createTestStack, removeCheckpointBackups, removeDockerLeftovers } from "../../test/support/test-stack.ts";
import { median, timeMs } from "./stats.ts";

const run$ = promisify(execFile);
const RUNS = 3;
// Through with-env.sh, which picks the demo's public passphrase for the copy of the demo stack (and the installation's for the baseline).
const pulumi = (stack: string, ...args: string[]) =>
  run$("bash", ["scripts/with-env.sh", "pulumi", ...args, "--stack", stack, "--non-interactive"], { cwd: REPO_ROOT, maxBuffer: 32 << 20 });
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms of ${xs.length} (${xs.map((v) => v.toFixed(0)).join(", ")})`;

export async function run(): Promise<void> {
  const demo = readFileSync(`${REPO_ROOT}/stacks/Pulumi.demo.yaml`, "utf8");
  const sim = await startSimulator({
    apiKey: "bosun-demo-key",
    apiSecret: "bosun-demo-secret-for-the-simulator-only",
    assignVlans: { ...demoAssignments(demo), "42": "10.42.0.1/24" },
  });
  const stack = `test-bench-stack-${randomBytes(3).toString("hex")}`;
  const file = `${REPO_ROOT}/stacks/Pulumi.${stack}.yaml`;
  writeFileSync(file, demo.replace("https://127.0.0.1:18443", sim.url));
  const baseline = await createTestStack("bench-base", sim);
  try {
    await baseline.stack.setConfig("bosun:spec", { value: JSON.stringify({ version: 1, networks: { bench: { vlan: 42, subnet: "10.42.0.0/24" } } }) });
    await pulumi(stack, "stack", "init");
    const base: number[] = [];
    const preview: number[] = [];
    const up: number[] = [];
    const destroy: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      base.push(await timeMs(() => pulumi(baseline.name, "preview")));
      preview.push(await timeMs(() => pulumi(stack, "preview")));
      up.push(await timeMs(() => pulumi(stack, "up", "--yes", "--skip-preview")));
      destroy.push(await timeMs(() => pulumi(stack, "destroy", "--yes", "--skip-preview")));
    }
    console.log(`one-resource preview (baseline): ${fmt(base)}`);
    console.log(`demo stack preview:              ${fmt(preview)}  (${(median(preview) / median(base)).toFixed(2)}× baseline)`);
    console.log(`demo stack up:                   ${fmt(up)}  (includes the container's first health check, template interval 30 s)`);
    console.log(`demo stack destroy:              ${fmt(destroy)}`);
  } finally {
    const cleanup = (e: Error) => console.error(`cleanup of ${stack}: ${e.message}`);
    await pulumi(stack, "destroy", "--yes").catch(cleanup);
    await pulumi(stack, "stack", "rm", "--yes", "--force").catch(cleanup);
    removeCheckpointBackups("bosun", stack);
    rmSync(file, { force: true });
    await removeDockerLeftovers(stack);
    await baseline.remove();
    await sim.stop();
  }
}
