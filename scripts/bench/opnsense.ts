// npm run bench -- opnsense [N ...]: for N firewall rules (default 10, 100,
// 1000) through the real engine and the repo's program against the simulator:
// preview, up and destroy wall time, and the OPNsense API calls per up. Each N
// runs twice: with Pulumi's per-step checkpoints (the default, safe) and with
// PULUMI_SKIP_CHECKPOINTS=true, which isolates the file backend's cost of
// rewriting the whole state after every step.
import { startSimulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createTestStack } from "../../test/support/test-stack.ts";
import type { LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
import { timeMs } from "./stats.ts";

/** A segment without internet whose LAN may reach N ports: N allow rules plus 2 DNS rules. */
function specWith(n: number) {
  const ports = Array.from({ length: n }, (_, i) => `${10000 + i}/tcp`);
  return { version: 1, networks: { bench: { vlan: 42, subnet: "10.42.0.0/24", internet: false, allowFrom: [{ from: "lan", ports }] } } };
}

const sum = (byPath: Record<string, number>, re: RegExp) =>
  Object.entries(byPath)
    .filter(([p]) => re.test(p))
    .reduce((a, [, c]) => a + c, 0);

export interface RuleFigures {
  n: number;
  rules: number;
  previewMs: number;
  upMs: number;
  destroyMs: number;
}

/** One stack with N rules: preview, up and destroy, with or without per-step checkpoints. */
export async function measureRules(n: number, skipCheckpoints = false, print = false): Promise<RuleFigures> {
  const sim = await startSimulator({ apiKey: "bench-key", apiSecret: "bench-secret", assignVlans: { "42": "10.42.0.1/24" } });
  const test = await createTestStack("bench-opn", sim);
  try {
    if (skipCheckpoints) (test.stack.workspace as LocalWorkspace).envVars.PULUMI_SKIP_CHECKPOINTS = "true";
    await test.stack.setConfig("bosun:spec", { value: JSON.stringify(specWith(n)) });
    const preview = await timeMs(() => test.stack.preview());
    sim.resetCalls();
    const up = await timeMs(() => test.stack.up());
    const { total, byPath } = sim.calls();
    const rules = Object.keys(sim.items("rules", "live")).length;
    const adds = sum(byPath, /filter\/addRule$/);
    const ruleOther = sum(byPath, /firewall\/filter\/|interfacesInfo/) - adds;
    sim.resetCalls();
    const destroy = await timeMs(() => test.stack.destroy());
    const destroyCalls = sim.calls();
    const filterApplies = sum(destroyCalls.byPath, /firewall\/filter\/apply(\/|$)/);
    if (print)
      console.log(
        `N=${String(n).padEnd(5)} ${skipCheckpoints ? "skip-checkpoints" : "checkpoints     "} rules live ${rules}: ` +
          `preview ${(preview / 1000).toFixed(1)} s, up ${(up / 1000).toFixed(1)} s, destroy ${(destroy / 1000).toFixed(1)} s; ` +
          `API calls per up ${total}: ${adds} addRule + ${ruleOther} interface check/filter apply cycle + ${total - adds - ruleOther} VLAN/DHCP ` +
          `(${(total / rules).toFixed(2)} per rule); per destroy ${destroyCalls.total} with ${filterApplies} filter apply`,
      );
    return { n, rules, previewMs: preview, upMs: up, destroyMs: destroy };
  } finally {
    await test.remove();
    await sim.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const sizes = args.length ? args.map(Number) : [10, 100, 1000];
  for (const n of sizes) {
    await measureRules(n, false, true);
    await measureRules(n, true, true);
  }
}
