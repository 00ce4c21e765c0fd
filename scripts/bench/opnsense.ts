// npm run bench -- opnsense [N ...]: for N firewall rules (default 10, 100,
// 1000) through the real engine and the repo's program against the simulator:
// preview, up and destroy wall time, and the OPNsense API calls per up.
import { startSimulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createTestStack } from "../../mcp-server/src/orchestrator/test-stack.ts";
import { timeMs } from "./stats.ts";

/** A segment without internet whose LAN may reach N ports: N allow rules plus 2 DNS rules. */
function specWith(n: number) {
  const ports = Array.from({ length: n }, (_, i) => `${10000 + i}/tcp`);
  return { version: 1, networks: { bench: { vlan: 42, subnet: "10.42.0.0/24", internet: false, allowFrom: [{ from: "lan", ports }] } } };
}

export async function run(args: string[]): Promise<void> {
  const sizes = args.length ? args.map(Number) : [10, 100, 1000];
  for (const n of sizes) {
    const sim = await startSimulator({ apiKey: "bench-key", apiSecret: "bench-secret", assignVlans: { "42": "10.42.0.1/24" } });
    const test = await createTestStack("bench-opn", sim);
    try {
      await test.stack.setConfig("bosun:spec", { value: JSON.stringify(specWith(n)) });
      const preview = await timeMs(() => test.stack.preview());
      sim.resetCalls();
      const up = await timeMs(() => test.stack.up());
      const calls = sim.calls();
      const rules = Object.keys(sim.items("rules", "live")).length;
      const applies = Object.entries(calls.byPath).filter(([p]) => /reconfigure|\/apply|savepoint|cancelRollback/.test(p)).reduce((a, [, c]) => a + c, 0);
      sim.resetCalls();
      const destroy = await timeMs(() => test.stack.destroy());
      const destroyCalls = sim.calls().total;
      console.log(
        `N=${String(n).padEnd(5)} rules live ${rules}: preview ${(preview / 1000).toFixed(1)} s, up ${(up / 1000).toFixed(1)} s, destroy ${(destroy / 1000).toFixed(1)} s; ` +
          `API calls per up ${calls.total} (${(calls.total / rules).toFixed(2)} per rule, ${applies} apply/savepoint calls), per destroy ${destroyCalls}`,
      );
    } finally {
      await test.remove();
      await sim.stop();
    }
  }
}
