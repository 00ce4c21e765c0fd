// The edge resources (WireGuard, port forwards, traffic shaper, IDS, the
// HAProxy plugin gate) called as the dynamic-provider process calls them,
// against the simulator (it stands in for an OPNsense box, which cannot run
// here) on the releases where they differ. WireGuard keys are checked with the
// real `wg` (wireguard-tools, scripts/services/edge.sh) and the QR code is read
// back with jsqr. HAProxy against a real haproxy: test/edge/reverse-proxy.test.ts.
import { execFileSync } from "node:child_process";
import jsqrModule from "jsqr";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KEY, SECRET, sim } from "../test/helpers.ts";
import type { Simulator } from "../simulator/server.ts";
import { setConnection } from "./connection.ts";
import { resetApplyState } from "./apply.ts";
import * as wgServer from "./wireguard-server-impl.ts";
import * as wgPeer from "./wireguard-peer-impl.ts";
import * as forward from "./port-forward-impl.ts";
import * as pipe from "./shaper-pipe-impl.ts";
import * as shaperRule from "./shaper-rule-impl.ts";
import * as idsPolicy from "./ids-policy-impl.ts";
import * as idsSegment from "./ids-segment-impl.ts";
import * as frontend from "./haproxy-frontend-impl.ts";
import * as haproxyServer from "./haproxy-server-impl.ts";

type Props = Record<string, unknown>;
interface Impl {
  check(o: Props, n: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
  create(p: Props): Promise<{ id: string; outs: Props }>;
}

const sims: Simulator[] = [];
async function use(opts: Parameters<typeof sim>[0] = {}): Promise<Simulator> {
  const s = await sim(opts);
  sims.push(s);
  resetApplyState();
  setConnection({ url: s.url, apiKey: KEY, apiSecret: SECRET, caPem: s.caPem, retryBaseMs: 5 });
  return s;
}
afterAll(async () => {
  setConnection(null);
  for (const s of sims) await s.stop();
});

async function make(impl: Impl, news: Props) {
  const checked = await impl.check({}, news);
  expect(checked.failures).toEqual([]);
  return impl.create({ ...checked.inputs, __provider: "serialized" });
}

// jsqr is CommonJS: its function is the module or its `default`, depending on the loader.
type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR = ((jsqrModule as unknown as { default?: JsQr }).default ?? jsqrModule) as unknown as JsQr;
const wgPub = (priv: string) => execFileSync("wg", ["pubkey"], { input: `${priv}\n`, encoding: "utf8" }).trim();

describe("WireGuard (every release: core since 24.1)", () => {
  let s: Simulator;
  beforeAll(async () => {
    s = await use({ version: "24.7" });
  });

  test("an instance and a phone: keys as wg makes them, the client config and its QR code; private keys never leave their side", async () => {
    const server = await make(wgServer, { name: "bosun-vpn", port: 51820, tunnelAddress: "10.99.0.1/24", dns: ["10.99.0.1"] });
    expect(server.outs).toMatchObject({ name: "bosun-vpn", device: "wg0", serviceEnabled: true, publicKey: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/) });
    const onBox = s.items("wireguardServers")[server.id] ?? {};
    expect(wgPub(onBox.privkey ?? "")).toBe(server.outs.publicKey); // the box holds the instance's private key...
    expect(JSON.stringify(server.outs)).not.toContain(onBox.privkey); // ...and bosun's outputs never do
    expect(s.store.state.wireguardGeneral.enabled).toBe("1");

    const phone = await make(wgPeer, {
      name: "phone",
      server: server.id,
      serverPublicKey: server.outs.publicKey,
      endpoint: "vpn.example.com:51820",
      tunnelAddress: "10.99.0.2/32",
      allowedIps: ["10.20.0.0/24", "10.99.0.0/24"],
      dns: ["10.99.0.1"],
    });
    const out = phone.outs as { privateKey: string; publicKey: string; config: string; qrPng: string };
    expect(wgPub(out.privateKey)).toBe(out.publicKey);
    // Only the public key went to the box; the instance lists the peer.
    expect(s.items("wireguardPeers")[phone.id]).toMatchObject({ pubkey: out.publicKey, tunneladdress: "10.99.0.2/32" });
    expect(JSON.stringify(s.items("wireguardPeers"))).not.toContain(out.privateKey);
    expect(s.items("wireguardServers")[server.id]?.peers).toBe(phone.id);
    expect(out.config).toBe(
      [
        "[Interface]",
        `PrivateKey = ${out.privateKey}`,
        "Address = 10.99.0.2/32",
        "DNS = 10.99.0.1",
        "",
        "[Peer]",
        `PublicKey = ${String(server.outs.publicKey)}`,
        "Endpoint = vpn.example.com:51820",
        "AllowedIPs = 10.20.0.0/24, 10.99.0.0/24",
        "PersistentKeepalive = 25",
        "",
      ].join("\n"),
    );
    // wg-quick reads the file (it refuses a malformed one); what it hands to wg names the same keys.
    const dir = execFileSync("mktemp", ["-d"], { encoding: "utf8" }).trim();
    execFileSync("bash", ["-c", `umask 077 && cat > ${dir}/wg9.conf`], { input: out.config });
    const stripped = execFileSync("wg-quick", ["strip", `${dir}/wg9.conf`], { encoding: "utf8" });
    expect(stripped).toContain(`PrivateKey = ${out.privateKey}`);
    expect(stripped).not.toContain("Address");
    execFileSync("rm", ["-rf", dir]);
    // The QR code decodes to the very config.
    const png = PNG.sync.read(Buffer.from(out.qrPng, "base64"));
    expect(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data).toBe(out.config);

    // Renaming keeps the keys; the config follows changed client-side inputs.
    const news = (await wgPeer.check(phone.outs, { ...phone.outs, name: "phone-anna", allowedIps: ["0.0.0.0/0"] })).inputs;
    expect(await wgPeer.diff(phone.id, phone.outs, news)).toMatchObject({ changes: true, replaces: [] });
    const renamed = (await wgPeer.update(phone.id, phone.outs, news)).outs as typeof out;
    expect(renamed.privateKey).toBe(out.privateKey);
    expect(renamed.config).toContain("AllowedIPs = 0.0.0.0/0");
    expect(s.items("wireguardPeers")[phone.id]?.name).toBe("phone-anna");
    // Another instance replaces the peer (new keys).
    expect((await wgPeer.diff(phone.id, renamed, { ...news, server: "other" })).replaces).toEqual(["server"]);

    // Bad input names the field.
    const bad = await wgPeer.check({}, { ...news, tunnelAddress: "10.99.0.0/24", endpoint: "vpn.example.com" });
    expect(bad.failures.map((f) => f.property).sort()).toEqual(["endpoint", "tunnelAddress"]);

    await wgPeer.remove(phone.id, {});
    expect(s.items("wireguardServers")[server.id]?.peers).toBe("");
    await wgServer.remove(server.id, server.outs);
    expect(s.store.state.wireguardGeneral.enabled).toBe("0");
  });
});

describe("port forwards", () => {
  test("25.7: refused at preview and before any write, with the UI steps", async () => {
    const s = await use({ version: "25.7" });
    const args = { port: "443", target: "10.20.0.10", description: "cloud" };
    const preview = await forward.check({}, args);
    expect(preview.failures[0]?.reason).toMatch(
      /this box runs OPNsense 25\.7\.11, whose API has no port forwards .*Firewall → NAT → Port Forward → Add: Interface WAN, Protocol TCP.*Redirect target IP 10\.20\.0\.10/,
    );
    await expect(forward.create({ ...args, interface: "wan", protocol: "tcp", sequence: 100 })).rejects.toThrow(/nothing was changed/);
    expect(s.calls().byPath["POST /api/firewall/d_nat/addRule"]).toBeUndefined();
  });

  test("26.1+: created, read back, and a port someone else already forwards is refused, naming it", async () => {
    const s = await use({ version: "26.1" });
    const made = await make(forward, { port: "443", target: "10.20.0.10", description: "cloud", ownerTag: "abc123abc123" });
    expect(s.items("portForwards")[made.id]).toMatchObject({ interface: "wan", protocol: "tcp", "destination.port": "443", target: "10.20.0.10", pass: "" });
    expect(made.outs).toMatchObject({ port: "443", target: "10.20.0.10", description: "cloud" });
    s.store.mutate({
      collection: "portForwards",
      op: "add",
      item: { interface: "wan", protocol: "udp", "destination.port": "51820", target: "10.0.0.5", descr: "someone's VPN" },
    });
    const clash = await forward.check({}, { port: "51820", protocol: "udp", target: "10.20.0.11" });
    expect(clash.failures).toEqual([
      {
        property: "port",
        reason:
          'port forward wan udp/51820: port: UDP 51820 on WAN is already forwarded to 10.0.0.5 by "someone\'s VPN"; remove that port forward or choose another port.',
      },
    ]);
    // Its own forward is not a clash (an update of the same resource).
    expect((await forward.check({}, { port: "443", target: "10.20.0.12", ownerTag: "abc123abc123" })).failures).toEqual([]);
  });
});

describe("traffic shaper and IDS", () => {
  test('"limit the guests to 50 Mbit/s": two pipes, a rule each way', async () => {
    const s = await use({ version: "26.7" });
    s.store.assignInterface({ identifier: "opt3", device: "vlan03", description: "guests", addr4: "10.40.0.1/24" });
    const down = await make(pipe, { bandwidthMbit: 50, description: "guests download" });
    const up = await make(pipe, { bandwidthMbit: 50, description: "guests upload" });
    expect(down.outs).toMatchObject({ bandwidthMbit: 50, number: 10000 });
    expect(up.outs.number).toBe(10001);
    await make(shaperRule, { interface: "opt3", direction: "out", destination: "10.40.0.0/24", pipe: down.id, description: "guests download" });
    await make(shaperRule, { interface: "opt3", direction: "in", source: "10.40.0.0/24", pipe: up.id, description: "guests upload" });
    expect(Object.values(s.items("shaperRules")).map((r) => [r.direction, r.target])).toEqual([
      ["out", down.id],
      ["in", up.id],
    ]);
    const bad = await pipe.check({}, { bandwidthMbit: 0, description: "x" });
    expect(bad.failures[0]?.reason).toContain("bandwidthMbit: must be at least 1 Mbit/s");
    await expect(pipe.remove(down.id, { description: "guests download" })).rejects.toThrow(/cannot be deleted: Item in use by 1 shaper rule/);
  });

  for (const [version, field] of [
    ["25.7", { ips: "1" }],
    ["26.1", { mode: "netmap" }],
  ] as const) {
    test(`IDS on a segment (${version}: IPS is ${Object.keys(field)[0]}); the interface goes out again on delete`, async () => {
      const s = await use({ version });
      s.store.assignInterface({ identifier: "opt3", device: "vlan03", description: "guests", addr4: "10.40.0.1/24" });
      const made = await make(idsSegment, { interface: "opt3", prevent: true });
      expect(made.outs).toMatchObject({ added: true, enabledService: true });
      expect(s.store.state.idsGeneral).toMatchObject({ enabled: "1", interfaces: "wan,opt3", ...field });
      await make(idsPolicy, { newAction: "drop", description: "guests: drop what alerts" });
      expect(Object.values(s.items("idsPolicies"))[0]).toMatchObject({ action: "alert", new_action: "drop" });
      await idsSegment.remove(made.id, made.outs);
      expect(s.store.state.idsGeneral.interfaces).toBe("wan");
    });
  }
});

describe("HAProxy plugin missing", () => {
  test("refused at preview and before any write, saying how to install it", async () => {
    const s = await use({ haproxy: false });
    const preview = await frontend.check({}, { name: "bosun-https", bind: ["0.0.0.0:8443"] });
    expect(preview.failures[0]?.reason).toContain(
      "the os-haproxy plugin is not installed on this OPNsense box; install it (System → Firmware → Plugins → os-haproxy)",
    );
    await expect(haproxyServer.create({ name: "a", address: "10.0.0.1", port: 80, ssl: false, verify: true, description: "" })).rejects.toThrow(
      /os-haproxy plugin is not installed.*nothing was changed/,
    );
    expect(Object.keys(s.calls().byPath).filter((p) => p.startsWith("POST /api/haproxy"))).toEqual([]);
  });

  test("a listener on the web GUI's own port is refused at preview", async () => {
    const s = await use();
    const port = new URL(s.url).port;
    const preview = await frontend.check({}, { name: "bosun-https", bind: [`0.0.0.0:${port}`] });
    expect(preview.failures).toEqual([
      expect.objectContaining({ property: "bind", reason: expect.stringContaining(`is where this box's web GUI and API listen (port ${port})`) }),
    ]);
  });
});
