// The demo stack runs VMs against the Proxmox VE simulator: on a copy of
// stacks/Pulumi.demo.yaml (its own loopback ports swapped in, same encrypted
// credentials), `ensureStackSimulators` starts both simulators the stack file
// lists in bosun:simulator, and `bosun plan "add an Ubuntu VM with 4 cores and
// 8 GB on the gaming vlan" --apply --yes` (a child process, as in a terminal)
// translates, previews and applies it with the real engine: the demo's network
// and Minecraft stand-in on the real Docker engine, the VM on the simulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { ensureStackSimulators, type StackSimulator } from "../../mcp-server/src/simulators.ts";
import { stackEnv } from "../../mcp-server/src/orchestrator/workspace.ts";
import { DEMO_SUBNET, holdSubnet } from "../support/exclusive.ts";
import { REPO_ROOT, removeCheckpointBackups, removeDockerLeftovers } from "../support/test-stack.ts";
import { freePort } from "../support/ports.ts";

const cli = fileURLToPath(new URL("../../mcp-server/src/cli/main.ts", import.meta.url));
const name = `test-demovm-${randomBytes(3).toString("hex")}`;
const file = `${REPO_ROOT}/stacks/Pulumi.${name}.yaml`;
// The demo's simulator token (stacks/Pulumi.demo.yaml says so; simulator only).
const TOKEN = "bosun@pve!demo=5b1f0c1e-6a0f-4d55-9c1e-0b05c0de0001";
let sims: StackSimulator[] = [];
let stack: Stack;
let state: string;

function bosun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: REPO_ROOT, env: { ...process.env, BOSUN_STATE: state }, timeout: 300_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function pveGet(url: string): Promise<{ status: number; body: { data: Record<string, string> } }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Authorization: `PVEAPIToken=${TOKEN}` }, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || "{}") }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the demo stack with a VM", () => {
  // The demo's Docker subnet is one per engine: tests using it take turns, this file for its whole length.
  let releaseSubnet: (() => void) | undefined;
  beforeAll(async () => {
    releaseSubnet = await holdSubnet(DEMO_SUBNET);
    const demo = readFileSync(`${REPO_ROOT}/stacks/Pulumi.demo.yaml`, "utf8");
    writeFileSync(
      file,
      demo
        .replace("https://127.0.0.1:18443", `https://127.0.0.1:${await freePort()}`)
        .replace("https://127.0.0.1:18006", `https://127.0.0.1:${await freePort()}`),
    );
    const pulumiCommand = await PulumiCommand.get({ root: `${REPO_ROOT}/.tools/pulumi`, skipVersionCheck: true });
    // A copy of the demo: the demo's public passphrase, as bosun itself picks it.
    stack = await LocalWorkspace.createStack(
      { stackName: name, workDir: REPO_ROOT },
      { pulumiCommand, envVars: stackEnv({ workDir: REPO_ROOT, env: {} }, name) },
    );
    state = mkdtempSync(join(tmpdir(), "bosun-demovm-"));
    sims = await ensureStackSimulators(REPO_ROOT, [name]);
  });

  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    releaseSubnet?.();
    await stack?.workspace.removeStack(name, { force: true }).catch(() => undefined);
    removeCheckpointBackups("bosun", name);
    rmSync(file, { force: true });
    await removeDockerLeftovers(name);
    await Promise.all(sims.map((s) => s.stop()));
    if (state) rmSync(state, { recursive: true, force: true });
    const simState = join(process.env["BOSUN_STATE"] ?? join(REPO_ROOT, ".state"), "simulators");
    for (const f of [`${name}.json`, `${name}-proxmox.json`]) rmSync(join(simState, f), { force: true });
  });

  it("starts both simulators and applies an Ubuntu VM on the gaming VLAN", async () => {
    expect(sims.map((s) => s.kind).sort()).toEqual(["opnsense", "proxmox"]);
    const r = await bosun(["plan", "add an Ubuntu VM with 4 cores and 8 GB on the gaming vlan", "--stack", name, "--apply", "--yes"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\+ create\s+vm1-vm \[pulumi-nodejs:dynamic\/proxmox:VirtualMachine\]/);
    expect(r.stdout).toContain("vm1 is reachable as vm1.home.arpa at 10.20.0.11");
    expect(r.stdout).toContain("Applied in");
    const vms = (await stack.outputs()).vms?.value as Record<string, { vmid: number; address: string }>;
    expect(vms.vm1?.address).toBe("10.20.0.11");
    const pve = sims.find((s) => s.kind === "proxmox")?.url;
    const config = await pveGet(`${pve}/api2/json/nodes/pve/qemu/${vms.vm1?.vmid}/config`);
    expect(config.status).toBe(200);
    expect(config.body.data).toMatchObject({ name: "vm1", ciuser: "ubuntu", ipconfig0: "ip=10.20.0.11/24,gw=10.20.0.1" });
    expect([String(config.body.data.cores), String(config.body.data.memory)]).toEqual(["4", "8192"]);
    expect(config.body.data.net0).toMatch(/tag=20/);
  });
});
