// Runs one provider the way Pulumi's dynamic-provider process does, outside
// vitest (whose module transform rewrites import() and cannot be serialized):
// take the provider text stored as __provider, load it with require-from-string,
// call handler(), configure() from "stack config", then check/create/read/delete
// against a simulator. Prints one JSON line. Needs Node with type stripping.
//   node providers/opnsense-dynamic/test/provider-roundtrip.ts
import { createRequire } from "node:module";
import type * as pulumi from "@pulumi/pulumi";
import { startSimulator } from "../simulator/server.ts";
import { vlanProvider } from "../resources/index.ts";

const require = createRequire(import.meta.url);
const requireFromString = require("require-from-string") as (code: string) => { handler: () => pulumi.dynamic.ResourceProvider };

const sim = await startSimulator({ apiKey: "roundtrip-key", apiSecret: "roundtrip-secret-value" });
try {
  // What the dynamic-provider host does with a resource's __provider input; run from the checkout's root, like the plugin.
  const provider = requireFromString(vlanProvider.text).handler();
  const stack: Record<string, string> = {
    "opnsense:url": sim.url,
    "opnsense:apiKey": "roundtrip-key",
    "opnsense:apiSecret": "roundtrip-secret-value",
    "opnsense:caPem": sim.caPem,
  };
  await provider.configure?.({ config: { get: (k: string) => stack[k], require: (k: string) => stack[k] as string } as never });
  const checked = await provider.check!({}, { parent: "igc1", tag: 20, description: "iot" });
  const created = await provider.create({ ...checked.inputs, __provider: vlanProvider.text });
  const read = await provider.read!(created.id, created.outs);
  await provider.delete!(created.id, created.outs);
  console.log(
    JSON.stringify({
      textBytes: vlanProvider.text.length,
      leaksSecret: vlanProvider.text.includes("roundtrip-secret-value") || JSON.stringify(created.outs).includes("roundtrip-secret-value"),
      failures: checked.failures ?? [],
      created: created.outs,
      readDevice: (read.props as { device?: string } | undefined)?.device,
      remaining: Object.keys(sim.items("vlans")).length,
    }),
  );
} finally {
  await sim.stop();
}
