// The real Pulumi engine (CLI built by scripts/setup.sh, bosun's language host,
// the dynamic-provider plugin) on the repository's own Pulumi.yaml and program,
// against the OPNsense simulator and the real Docker engine:
// preview -> up -> refresh -> destroy of a segment and a container service.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";
import { removeCheckpointBackups } from "../support/test-stack.ts";
import { freePort } from "../support/ports.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const stackName = `test-engine-${randomBytes(3).toString("hex")}`;
const docker = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));
const message = `hello from ${stackName}`;

let sim: Simulator;
let stack: Stack;
let hostPort: number;

beforeAll(async () => {
  sim = await startSimulator({ apiKey: "e2e-key", apiSecret: "e2e-secret", assignVlans: { "51": "10.51.0.1/24" } });
  hostPort = await freePort();
  const spec = {
    version: 1,
    networks: { web: { vlan: 51, subnet: "10.51.0.0/24" } },
    services: {
      echo: {
        image: "bosun/echo-server:1",
        network: "web",
        memoryMb: 64,
        env: { PORT: "8080", MESSAGE: message },
        ports: [{ container: 8080, host: hostPort }],
      },
    },
  };
  const pulumiCommand = await PulumiCommand.get({ root: `${root}/.tools/pulumi`, skipVersionCheck: false });
  stack = await LocalWorkspace.createStack({ stackName, workDir: root }, { pulumiCommand, envVars: {} });
  await stack.setAllConfig({
    "bosun:spec": { value: JSON.stringify(spec) },
    "opnsense:url": { value: sim.url },
    "opnsense:apiKey": { value: sim.apiKey },
    "opnsense:apiSecret": { value: sim.apiSecret, secret: true },
    "opnsense:caPem": { value: sim.caPem },
  });
});

afterAll(async () => {
  await stack?.destroy().catch(() => {});
  // Removes stacks/Pulumi.<stack>.yaml too, so the work tree stays clean.
  await stack?.workspace.removeStack(stackName, { force: true });
  removeCheckpointBackups("bosun", stackName);
  await sim?.stop();
});

interface Inspect {
  State: { Status: string };
  HostConfig: { Memory: number };
}

describe("engine end to end", () => {
  it("previews, creates, refreshes and destroys a segment and a container", async () => {
    const preview = await stack.preview();
    expect(preview.changeSummary.create).toBeGreaterThanOrEqual(8); // stack, VLAN, assignment, DHCP, rules, network, container, DNS, applies
    expect(Object.keys(sim.items("vlans"))).toHaveLength(0); // preview changed nothing
    await expect(docker.json("GET", `/containers/${stackName}-echo/json`)).rejects.toThrow(/No such container/);

    const up = await stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges?.create).toBe(preview.changeSummary.create);
    expect(Object.values(sim.items("vlans", "live")).map((v) => v.tag)).toEqual(["51"]);
    expect(Object.values(sim.items("hostOverrides", "live")).map((h) => h.hostname)).toEqual(["echo"]);
    const echo = up.outputs.services?.value.echo;
    expect(echo.address).toBe("10.51.0.10");

    const container = await docker.json<Inspect>("GET", `/containers/${echo.containerId}/json`);
    expect(container.State.Status).toBe("running");
    expect(container.HostConfig.Memory).toBe(64 * 1024 * 1024);
    const body = await (await fetch(`http://127.0.0.1:${hostPort}/`)).text();
    expect(body).toContain(message);

    const again = await stack.preview();
    expect(again.changeSummary.create ?? 0).toBe(0);
    expect(again.changeSummary.update ?? 0).toBe(0);

    // Drift: someone stops the container; refresh sees it, up starts it again.
    await docker.json("POST", `/containers/${echo.containerId}/stop?t=1`);
    const refresh = await stack.refresh();
    expect(refresh.summary.result).toBe("succeeded");
    const repair = await stack.up();
    expect(repair.summary.resourceChanges?.update ?? 0).toBeGreaterThanOrEqual(1);
    expect((await docker.json<Inspect>("GET", `/containers/${echo.containerId}/json`)).State.Status).toBe("running");

    const destroy = await stack.destroy();
    expect(destroy.summary.result).toBe("succeeded");
    expect(Object.keys(sim.items("vlans"))).toHaveLength(0);
    await expect(docker.json("GET", `/containers/${echo.containerId}/json`)).rejects.toThrow(/No such container/);
    await expect(docker.json("GET", `/networks/${stackName}-web`)).rejects.toThrow(/not found/);
  });

  it("fails a deployment whose container does not start, with its last log lines, leaving no container", async () => {
    const broken = {
      version: 1,
      networks: { web: { vlan: 51, subnet: "10.51.0.0/24" } },
      services: { broken: { image: "bosun/echo-server:1", network: "web", memoryMb: 32, env: { PORT: "not-a-port" } } },
    };
    await stack.setConfig("bosun:spec", { value: JSON.stringify(broken) });
    const err = await stack.up().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain(`Docker container ${stackName}-broken did not start`);
    expect(err?.message).toContain("echo-server: listening on 0.0.0.0:not-a-port"); // the container's own log line
    await expect(docker.json("GET", `/containers/${stackName}-broken/json`)).rejects.toThrow(/No such container/);
  });
});
