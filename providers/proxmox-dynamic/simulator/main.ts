// CLI: node providers/proxmox-dynamic/simulator/main.ts [--port 8006] [--host 127.0.0.1]
//   [--token-id bosun@pve!deploy] [--token-secret S] [--version 8|9|8.4.14]
//   [--state-file sim.json] [--ca-out ca.pem] [--task-step-ms 25] [--json]
// Prints the URL, the token and where the CA certificate is, then serves until Ctrl-C.
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startSimulator } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8006" },
    host: { type: "string", default: "127.0.0.1" },
    "token-id": { type: "string" },
    "token-secret": { type: "string" },
    version: { type: "string", default: "9" },
    "state-file": { type: "string" },
    "ca-out": { type: "string" },
    "task-step-ms": { type: "string", default: "200" },
    json: { type: "boolean", default: false },
  },
});

const host = values.host ?? "127.0.0.1";
if (host !== "127.0.0.1" && host !== "localhost" && host !== "::1") {
  console.error(`refusing to listen on ${host}: the simulator is for loopback only`);
  process.exit(2);
}
const tokenId = values["token-id"] ?? process.env.PROXMOX_SIM_TOKEN_ID ?? "bosun@pve!deploy";
// Proxmox token secrets are UUIDs.
const tokenSecret = values["token-secret"] ?? process.env.PROXMOX_SIM_TOKEN_SECRET ?? randomUUID();

const sim = await startSimulator({
  port: Number(values.port),
  host,
  tokens: [{ id: tokenId, secret: tokenSecret }],
  version: values.version,
  stateFile: values["state-file"],
  taskStepMs: Number(values["task-step-ms"]),
});
const caFile = values["ca-out"] ?? join(tmpdir(), `bosun-proxmox-sim-${sim.port}-ca.pem`);
writeFileSync(caFile, sim.caPem);

if (values.json) {
  console.log(JSON.stringify({ url: sim.url, tokenId, tokenSecret, caFile, version: sim.store.state.version, node: Object.keys(sim.store.state.nodes)[0] }));
} else {
  console.log(`Proxmox VE ${sim.store.state.version} simulator listening on ${sim.url}`);
  console.log(`  token id:     ${tokenId}`);
  console.log(`  token secret: ${tokenSecret}`);
  console.log(`  CA (PEM):     ${caFile}`);
  console.log(`  node:         ${Object.keys(sim.store.state.nodes).join(", ")}`);
  console.log(`  state:        ${values["state-file"] ?? "in memory"}`);
  console.log(`  templates:    VM 9000 ubuntu-2404-cloud, VM 9001 debian-12-cloud; local:vztmpl/…; local:import/…`);
  console.log(`  controls:     ${sim.url}/__sim/state, /__sim/guests/<vmid>[/config|/status], /__sim/faults, /__sim/calls`);
}

const shutdown = () => {
  void sim.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
