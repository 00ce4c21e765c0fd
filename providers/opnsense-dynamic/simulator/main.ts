// CLI: node providers/opnsense-dynamic/simulator/main.ts [--port N] [--host 127.0.0.1]
//   [--key K] [--secret S] [--state file.json] [--rollback-seconds 60] [--ca-out ca.pem]
// Prints the URL, the credentials and where the CA certificate is, then serves until Ctrl-C.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startSimulator } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8443" },
    host: { type: "string", default: "127.0.0.1" },
    key: { type: "string" },
    secret: { type: "string" },
    state: { type: "string" },
    "rollback-seconds": { type: "string", default: "60" },
    "ca-out": { type: "string" },
    json: { type: "boolean", default: false },
  },
});

const host = values.host ?? "127.0.0.1";
if (host !== "127.0.0.1" && host !== "localhost" && host !== "::1") {
  console.error(`refusing to listen on ${host}: the simulator is for loopback only`);
  process.exit(2);
}
const apiKey = values.key ?? process.env.OPNSENSE_SIM_KEY ?? randomBytes(24).toString("base64url");
const apiSecret = values.secret ?? process.env.OPNSENSE_SIM_SECRET ?? randomBytes(36).toString("base64url");

const sim = await startSimulator({
  port: Number(values.port),
  host,
  apiKey,
  apiSecret,
  stateFile: values.state,
  rollbackSeconds: Number(values["rollback-seconds"]),
});
const caFile = values["ca-out"] ?? join(tmpdir(), `bosun-opnsense-sim-${sim.port}-ca.pem`);
writeFileSync(caFile, sim.caPem);

if (values.json) {
  console.log(JSON.stringify({ url: sim.url, apiKey, apiSecret, caFile }));
} else {
  console.log(`OPNsense simulator listening on ${sim.url}`);
  console.log(`  api key:    ${apiKey}`);
  console.log(`  api secret: ${apiSecret}`);
  console.log(`  CA (PEM):   ${caFile}`);
  console.log(`  state:      ${values.state ?? "in memory"}`);
  console.log(`  controls:   ${sim.url}/__sim/state, /__sim/faults, /__sim/calls, /__sim/interfaces`);
}

const shutdown = () => {
  void sim.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
