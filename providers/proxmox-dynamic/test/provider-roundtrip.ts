// Runs the VM provider the way Pulumi's dynamic-provider process does, outside
// vitest (whose module transform rewrites import()): take the provider
// text stored as __provider, load it with require-from-string, configure() from "stack
// config", then check/create/read/delete against the Proxmox simulator.
// Prints one JSON line. Needs Node with type stripping.
//   node providers/proxmox-dynamic/test/provider-roundtrip.ts
import { createRequire } from "node:module";
import type * as pulumi from "@pulumi/pulumi";
import { startSimulator } from "../simulator/server.ts";
import { vmProvider } from "../resources/index.ts";

const require = createRequire(import.meta.url);
const requireFromString = require("require-from-string") as (code: string) => { handler: () => pulumi.dynamic.ResourceProvider };

const secret = "6d0f3c52-1a7e-4b9d-9c11-roundtrip000";
const sim = await startSimulator({ tokens: [{ id: "bosun@pve!roundtrip", secret }], taskStepMs: 5 });
try {
  // What the dynamic-provider host does with a resource's __provider input; run from the checkout's root, like the plugin.
  const provider = requireFromString(vmProvider.text).handler();
  const stack: Record<string, string> = {
    "proxmox:url": sim.url,
    "proxmox:tokenId": "bosun@pve!roundtrip",
    "proxmox:tokenSecret": secret,
    "proxmox:node": "pve",
    "proxmox:caPem": sim.caPem,
  };
  await provider.configure?.({ config: { get: (k: string) => stack[k], require: (k: string) => stack[k] as string } as never });
  const checked = await provider.check!({}, { name: "rt", clone: "debian-12-cloud", cores: 1, memoryMb: 512, diskGb: 2, storage: "local-lvm", started: false });
  const created = await provider.create({ ...checked.inputs, __provider: vmProvider.text });
  const read = await provider.read!(created.id, created.outs);
  await provider.delete!(created.id, created.outs);
  console.log(
    JSON.stringify({
      textBytes: vmProvider.text.length,
      leaksSecret: vmProvider.text.includes(secret) || JSON.stringify(created.outs).includes(secret),
      failures: checked.failures ?? [],
      id: created.id,
      readName: (read.props as { name?: string } | undefined)?.name,
      remaining: Object.keys(sim.store.state.guests).filter((k) => k !== "9000" && k !== "9001").length,
    }),
  );
} finally {
  await sim.stop();
}
