// CLI: node providers/opnsense-dynamic/simulator/main.ts [--port N] [--host 127.0.0.1]
//   [--version 24.7|25.1|25.7|26.1|26.7] [--stack S] [--key K] [--secret S] [--state file.json]
//   [--rollback-seconds 60] [--retention 100] [--ca-out ca.pem] [--json]
// With --stack S (or, without --key/--secret, when a stack file marked `bosun:simulator:
// opnsense` points at 127.0.0.1:<port>, as the demo's does), it accepts that stack's credentials (read through the Pulumi CLI)
// and plays the person who assigns the stack's VLANs. Prints the URL, the credentials
// and where the CA certificate is, then serves until Ctrl-C.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startSimulator } from "./server.ts";
import { DEFAULT_SERIES, profileFor } from "./profiles.ts";
import { readStackSettings, simulatorStackOn, type StackSettings } from "./stack-settings.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8443" },
    host: { type: "string", default: "127.0.0.1" },
    version: { type: "string", default: DEFAULT_SERIES },
    stack: { type: "string" },
    key: { type: "string" },
    secret: { type: "string" },
    state: { type: "string" },
    "rollback-seconds": { type: "string", default: "60" },
    retention: { type: "string", default: "100" },
    "ca-out": { type: "string" },
    json: { type: "boolean", default: false },
  },
});

const host = values.host ?? "127.0.0.1";
if (host !== "127.0.0.1" && host !== "localhost" && host !== "::1") {
  console.error(`refusing to listen on ${host}: the simulator is for loopback only`);
  process.exit(2);
}
const port = Number(values.port);
const version = values.version ?? DEFAULT_SERIES;
try {
  profileFor(version);
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

// The stack whose credentials to accept: named, or the simulator stack (the demo) that points at this port.
const explicitKeys = values.key !== undefined || values.secret !== undefined;
const stackName = values.stack ?? (explicitKeys ? undefined : simulatorStackOn(ROOT, port));
let stack: StackSettings | undefined;
if (stackName) {
  try {
    stack = await readStackSettings(ROOT, stackName);
  } catch (err) {
    console.error(`cannot read the credentials of stack ${stackName}: ${(err as Error).message}`);
    process.exit(2);
  }
  if (stack.port !== undefined && stack.port !== port) console.error(`note: stack ${stackName} expects the simulator on port ${stack.port}, not ${port}`);
}
const apiKey = values.key ?? stack?.apiKey ?? process.env.OPNSENSE_SIM_KEY ?? randomBytes(24).toString("base64url");
const apiSecret = values.secret ?? stack?.apiSecret ?? process.env.OPNSENSE_SIM_SECRET ?? randomBytes(36).toString("base64url");

const sim = await startSimulator({
  port,
  host,
  apiKey,
  apiSecret,
  version,
  stateFile: values.state,
  rollbackSeconds: Number(values["rollback-seconds"]),
  retention: Number(values.retention),
  ...(stack ? { assignVlans: stack.assignVlans } : {}),
});
const caFile = values["ca-out"] ?? join(tmpdir(), `bosun-opnsense-sim-${sim.port}-ca.pem`);
writeFileSync(caFile, sim.caPem);

if (values.json) {
  console.log(JSON.stringify({ url: sim.url, version: sim.version, apiKey, apiSecret, caFile, stack: stackName ?? null }));
} else {
  console.log(`OPNsense ${sim.version} simulator listening on ${sim.url}`);
  if (stackName) console.log(`  credentials: those of stack ${stackName} (key ${apiKey})`);
  else {
    console.log(`  api key:    ${apiKey}`);
    console.log(`  api secret: ${apiSecret}`);
  }
  console.log(`  CA (PEM):   ${caFile}`);
  console.log(`  state:      ${values.state ?? "in memory"}`);
  console.log(`  controls:   ${sim.url}/__sim/state, /__sim/faults, /__sim/calls, /__sim/interfaces`);
}

const shutdown = () => {
  void sim.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
