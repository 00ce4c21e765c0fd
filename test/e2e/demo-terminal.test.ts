// The demo stack from a terminal, through the `pulumi` binary (not the
// Automation API), on the newest OPNsense release (26.7: no savepoints, the
// assignment API, Dnsmasq) and the oldest supported one (24.7: savepoints, a
// manual assignment step the simulator makes, Kea): up creates VLAN 20, its
// DHCP range served on the VLAN's interface, the 25565 rule, the container
// with its memory limit and the DNS override; a preview right after shows no
// changes; destroy removes everything. It runs on a copy of
// stacks/Pulumi.demo.yaml named test-demo-<random> (same spec, same encrypted
// secret, the simulator's port swapped in), so a developer's own demo stack and
// its state are never touched. OPNsense is bosun's simulator; Docker is real.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";
import { stackAssignments as demoAssignments } from "../../mcp-server/src/simulators.ts";
import { DEMO_SUBNET, exclusiveSubnet } from "../support/exclusive.ts";
import { REPO_ROOT, removeCheckpointBackups, removeDockerLeftovers } from "../support/test-stack.ts";

const demo = readFileSync(`${REPO_ROOT}/stacks/Pulumi.demo.yaml`, "utf8");
const docker = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));

interface Inspect {
  State: { Status: string; Health?: { Status: string } };
  HostConfig: { Memory: number };
  Config: { Env: string[]; Image: string };
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

for (const version of ["26.7", "24.7"]) {
  describe(`the demo stack from a terminal, OPNsense ${version}`, () => {
    const stack = `test-demo-${randomBytes(3).toString("hex")}`;
    const file = `${REPO_ROOT}/stacks/Pulumi.${stack}.yaml`;
    let sim: Simulator;

    function pulumi(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      return new Promise((resolve) => {
        // Through scripts/with-env.sh, as the README's terminal recipe does: it picks the demo's public passphrase for this copy of it.
        execFile(
          "bash",
          ["scripts/with-env.sh", "pulumi", ...args, "--stack", stack, "--non-interactive", "--color", "never"],
          { cwd: REPO_ROOT, timeout: 300_000, maxBuffer: 32 << 20 },
          (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    }

    beforeAll(async () => {
      sim = await startSimulator({
        version,
        apiKey: "bosun-demo-key",
        apiSecret: "bosun-demo-secret-for-the-simulator-only",
        assignVlans: demoAssignments(demo),
      });
      writeFileSync(file, demo.replace("https://127.0.0.1:18443", sim.url));
      const init = await pulumi(["stack", "init"]);
      if (init.code !== 0) throw new Error(`pulumi stack init failed: ${init.stderr}`);
    });

    afterAll(async () => {
      await pulumi(["destroy", "--yes"]);
      await pulumi(["stack", "rm", "--yes", "--force"]);
      removeCheckpointBackups("bosun", stack);
      rmSync(file, { force: true });
      await removeDockerLeftovers(stack);
      await sim?.stop();
    });

    it("pulumi up builds the Minecraft request with DHCP served, preview shows no changes, destroy removes it", () =>
      // The demo's Docker subnet is one per engine: tests using it take turns.
      exclusiveSubnet(DEMO_SUBNET, async () => {
        const up = await pulumi(["up", "--yes", "--skip-preview"]);
        expect(up.stderr + up.stdout).not.toMatch(/error:/);
        expect(up.code).toBe(0);

        // OPNsense: VLAN 20 (a vlanNN device, as the box names them), the DHCP range, served on the VLAN's interface.
        const vlans = Object.values(sim.items("vlans", "live"));
        expect(vlans.map((v) => v.tag)).toEqual(["20"]);
        expect(vlans[0]?.vlanif).toMatch(/^vlan0\d+$/);
        const ranges =
          version === "24.7"
            ? Object.values(sim.items("keaSubnets", "live")).map((r) => r.pools)
            : Object.values(sim.items("dnsmasqRanges", "live")).map((r) => `${r.start_addr}-${r.end_addr}`);
        expect(ranges).toEqual(["10.20.0.100-10.20.0.199"]);
        const served = version === "24.7" ? sim.dhcpServedOn().kea : sim.dhcpServedOn().dnsmasq;
        expect(
          served.filter((i) => i !== "lan"),
          `served on ${served.join(", ")}`,
        ).toHaveLength(1); // the VLAN's own interface
        const rules = Object.values(sim.items("rules", "live"));
        expect(rules.some((r) => r.destination_port === "25565" && r.destination_net === "10.20.0.10" && r.action === "pass")).toBe(true);
        const hosts = Object.values(sim.items("hostOverrides", "live"));
        expect(hosts.map((h) => [h.hostname, h.domain, h.server])).toEqual([["minecraft", "home.arpa", "10.20.0.10"]]);

        // Docker: the container runs with the memory limit the 10 players need.
        const c = await docker.json<Inspect>("GET", `/containers/${stack}-minecraft/json`);
        expect(c.State.Status).toBe("running");
        expect(c.HostConfig.Memory).toBe(4096 * 1024 * 1024);
        expect(c.Config.Env).toEqual(expect.arrayContaining(["EULA=TRUE", "MAX_PLAYERS=10"]));
        expect(c.NetworkSettings.Networks[`${stack}-gaming`]?.IPAddress).toBe("10.20.0.10");

        const preview = await pulumi(["preview", "--expect-no-changes"]);
        expect(preview.code, preview.stdout + preview.stderr).toBe(0);

        const destroy = await pulumi(["destroy", "--yes", "--skip-preview"]);
        expect(destroy.code).toBe(0);
        for (const collection of ["vlans", "dnsmasqRanges", "keaSubnets", "rules", "hostOverrides"]) expect(Object.keys(sim.items(collection))).toHaveLength(0);
        await expect(docker.json("GET", `/containers/${stack}-minecraft/json`)).rejects.toThrow(/No such container/);
        await expect(docker.json("GET", `/networks/${stack}-gaming`)).rejects.toThrow(/not found/);
      }));
  });
}
