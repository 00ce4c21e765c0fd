// Runs the Cloudflare API STAND-IN (Cloudflare cannot be reached from here) on
// loopback and prints one JSON line: {url, token, zones}.
//   node providers/cloudflare-dynamic/standin/main.ts --port 8787 --zone example.com [--zone example.org]
//        [--token <token>] [--txt-hook http://127.0.0.1:8055]
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { startStandin } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    zone: { type: "string", multiple: true, default: ["example.com"] },
    token: { type: "string" },
    "txt-hook": { type: "string" },
  },
});
const token = values.token ?? randomBytes(20).toString("hex");
const standin = await startStandin({ tokens: [token], zones: values.zone, port: Number(values.port), txtHook: values["txt-hook"] });
console.log(JSON.stringify({ url: standin.url, token, zones: [...standin.store.zones.values()].map((z) => ({ id: z.id, name: z.name })) }));
const stop = () => void standin.stop().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
