// The real Pulumi engine (CLI built by scripts/setup.sh, bosun's language host,
// the dynamic-provider plugin) on the repository's own Pulumi.yaml and program,
// against the OPNsense simulator: preview -> up -> refresh -> destroy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const stackName = `test-engine-${randomBytes(3).toString("hex")}`;
const spec = {
  version: 1,
  networks: { gaming: { vlan: 20, subnet: "10.20.0.0/24" } },
};

let sim: Simulator;
let stack: Stack;

beforeAll(async () => {
  sim = await startSimulator({ apiKey: "e2e-key", apiSecret: "e2e-secret" });
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
  // Removes stacks/Pulumi.<stack>.yaml too, so the work tree stays clean.
  await stack?.workspace.removeStack(stackName, { force: true });
  await sim?.stop();
});

describe("engine end to end", () => {
  it("previews, creates, refreshes and destroys a dynamic resource", async () => {
    const preview = await stack.preview();
    expect(preview.changeSummary.create).toBeGreaterThanOrEqual(2); // stack + VLAN
    expect(Object.keys(sim.items("vlans"))).toHaveLength(0); // preview changed nothing

    const up = await stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges?.create).toBe(preview.changeSummary.create);
    const vlans = Object.values(sim.items("vlans"));
    expect(vlans).toHaveLength(1);
    expect(vlans[0]?.tag).toBe("20");
    expect(up.outputs.networks?.value.gaming.tag).toBe(20);

    const again = await stack.preview();
    expect(again.changeSummary.create ?? 0).toBe(0);
    expect(again.changeSummary.update ?? 0).toBe(0);

    const refresh = await stack.refresh();
    expect(refresh.summary.result).toBe("succeeded");

    const destroy = await stack.destroy();
    expect(destroy.summary.result).toBe("succeeded");
    expect(Object.keys(sim.items("vlans"))).toHaveLength(0);
  });
});
