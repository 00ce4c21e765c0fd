// `bosun serve` starts the simulators a stack file asks for: here a throwaway
// stack that lists proxmox in bosun:simulator gets a Proxmox VE simulator on its
// proxmox:url port, answering with the stack's own token (from its encrypted config).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../../test/support/test-stack.ts";
import { describeSimulator, ensureStackSimulators, simulatorsOf, type StackSimulator } from "./simulators.ts";
import { freePort } from "../../test/support/ports.ts";

const TOKEN = "bosun@pve!sim-test";
const SECRET = randomUUID();
let opnsense: Simulator;
let t: TestStack;
let started: StackSimulator[] = [];

/** GET with a token; the simulator's certificate is new at every start (nothing to pin). */
const status = (url: string, token: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(url, { headers: { Authorization: `PVEAPIToken=${token}` }, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });

describe("stack simulators", () => {
  beforeAll(async () => {
    opnsense = await startSimulator({ apiKey: "k", apiSecret: "s" });
    t = await createTestStack("sims", opnsense, {
      "bosun:simulator": "opnsense,proxmox",
      "proxmox:url": `https://127.0.0.1:${await freePort()}`,
      "proxmox:tokenId": TOKEN,
    });
    await t.stack.setConfig("proxmox:tokenSecret", { value: SECRET, secret: true });
  });

  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
    rmSync(join(process.env["BOSUN_STATE"] ?? join(REPO_ROOT, ".state"), "simulators", `${t?.name}-proxmox.json`), { force: true });
    await t?.remove();
    await opnsense?.stop();
  });

  it("reads bosun:simulator as a name, a list or a comma list", () => {
    expect(simulatorsOf({ "bosun:simulator": "opnsense" })).toEqual(["opnsense"]);
    expect(simulatorsOf({ "bosun:simulator": ["opnsense", "proxmox"] })).toEqual(["opnsense", "proxmox"]);
    expect(simulatorsOf({ "bosun:simulator": "proxmox, opnsense" })).toEqual(["proxmox", "opnsense"]);
    expect(simulatorsOf({})).toEqual([]);
  });

  it("starts the Proxmox simulator on the stack's port with its token, and leaves a listening OPNsense alone", async () => {
    started = await ensureStackSimulators(REPO_ROOT, [t.name]);
    expect(started.map((s) => s.kind)).toEqual(["proxmox"]);
    expect(describeSimulator(started[0] as StackSimulator)).toMatch(/^Proxmox VE simulator on https:\/\/127\.0\.0\.1:\d+ \(stack test-sims-/);
    expect(await status(`${started[0]?.url}/api2/json/version`, `${TOKEN}=${SECRET}`)).toBe(200);
    expect(await status(`${started[0]?.url}/api2/json/version`, `${TOKEN}=wrong`)).toBe(401);
  });
});
