// "Publish Nextcloud at cloud.<zone> with a certificate" as one deployment of
// bosun's own program (stacks/index.ts) through the real Pulumi engine: two
// apps published by name — one certificate proven by DNS-01 through Cloudflare,
// one by HTTP-01 through the reverse proxy — plus a VPN peer for a phone and a
// guest-style segment cap and IDS.
//
// Real servers: Pebble and pebble-challtestsrv (the ACME CA and its DNS),
// Debian's haproxy (restarted on every HAProxy reconfigure with the config the
// simulator renders, as the box restarts it), the Docker engine (the apps).
// (wg and wg-quick check the VPN keys and client config in
// providers/opnsense-dynamic/resources/edge.test.ts.) Stand-ins: the OPNsense simulator (no OPNsense box can run
// here) and the Cloudflare stand-in (Cloudflare cannot be reached; its TXT
// records are mirrored to challtestsrv so Pebble sees them).
//
// The certificates use Pebble's 7-day "shortlived" profile with the default
// 30-day renewal window: they are inside their window from the start, so the
// second, plain `up` (nothing changed) renews them, and haproxy serves the new ones.
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import type { TLSSocket } from "node:tls";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import jsqrModule from "jsqr";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { ensurePebble, http01Lock, pebbleRoot, type Pebble } from "../../providers/acme-dynamic/test/pebble.ts";
import { startStandin, type Standin } from "../../providers/cloudflare-dynamic/standin/server.ts";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { RealHaproxy } from "../support/haproxy.ts";
import { hold } from "../support/exclusive.ts";
import { checkpointPaths, removeCheckpointBackups } from "../support/test-stack.ts";
import { freePort } from "../support/ports.ts";

type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR = ((jsqrModule as unknown as { default?: JsQr }).default ?? jsqrModule) as unknown as JsQr;

const root = fileURLToPath(new URL("../..", import.meta.url));
const stackName = `test-publish-${randomBytes(3).toString("hex")}`;
const TOKEN = "cf-token-publish-0123456789";

let pebble: Pebble;
let pebbleRootPem: string;
let sim: Simulator;
let cf: Standin;
let stack: Stack;
const proxy = new RealHaproxy();
// A public-looking zone (".test" is a private name ACME would refuse); Pebble resolves every name through challtestsrv.
const zone = `pub-${randomBytes(3).toString("hex")}.example.net`;
const cloud = `cloud.${zone}`;
const blog = `blog.${zone}`;
let httpsPort: number;

function getTls(name: string): Promise<{ status: number; body: string; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: "127.0.0.1", port: httpsPort, servername: name, headers: { host: name }, ca: pebbleRootPem, agent: false }, (res) => {
      const serial = ((res.socket as TLSSocket).getPeerX509Certificate()?.serialNumber ?? "").toLowerCase();
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, serial }));
    });
    req.on("error", reject);
    req.end();
  });
}

let release: (() => void) | undefined;
beforeAll(async () => {
  pebble = ensurePebble();
  // haproxy listens on Pebble's HTTP-01 port: other files that do wait (see pebble.ts http01Lock).
  release = await hold(http01Lock(pebble));
  pebbleRootPem = await pebbleRoot(pebble);
  sim = await startSimulator({
    apiKey: "pub-key",
    apiSecret: "pub-secret-0123456789",
    assignVlans: { "63": "10.63.0.1/24" },
    onReconfigure: (s) => proxy.onReconfigure(s),
  });
  proxy.attach(sim);
  cf = await startStandin({ tokens: [TOKEN], zones: [zone], txtHook: pebble.challtestsrvUrl });
  httpsPort = await freePort();
  const solverPort = await freePort();
  const [cloudPort, blogPort] = [await freePort(), await freePort()];
  const echo = (message: string, host: number) => ({
    image: "bosun/echo-server:1",
    network: "apps",
    memoryMb: 64,
    env: { PORT: "8080", MESSAGE: message },
    ports: [{ container: 8080, host }],
  });
  const spec = {
    version: 1,
    networks: { apps: { vlan: 63, subnet: "10.63.0.0/24", limitMbit: 50, ids: "detect" } },
    services: {
      nextcloud: { ...echo("hello from nextcloud", cloudPort), publish: { host: cloud, certificate: "cloud" } },
      blog: { ...echo("hello from the blog", blogPort), publish: { host: blog, certificate: "blog", public: false } },
    },
    dns: { publicZones: [zone] },
    certificates: {
      cloud: { dnsNames: [cloud], issuer: "acme", outsideDomain: true },
      blog: { dnsNames: [blog], issuer: "acme", outsideDomain: true, challenge: "http-01" },
    },
    vpn: { endpoint: `vpn.${zone}`, allow: ["apps"], peers: { phone: {} } },
  };
  const pulumiCommand = await PulumiCommand.get({ root: `${root}/.tools/pulumi`, skipVersionCheck: false });
  stack = await LocalWorkspace.createStack({ stackName, workDir: root }, { pulumiCommand, envVars: {} });
  await stack.setAllConfig({
    "bosun:spec": { value: JSON.stringify(spec) },
    "opnsense:url": { value: sim.url },
    "opnsense:apiKey": { value: sim.apiKey },
    "opnsense:apiSecret": { value: sim.apiSecret, secret: true },
    "opnsense:caPem": { value: sim.caPem },
    "cloudflare:apiToken": { value: TOKEN, secret: true },
    "cloudflare:apiBaseUrl": { value: cf.url },
    "bosun:wanAddress": { value: "198.51.100.7" },
    "bosun:acme": {
      value: JSON.stringify({
        termsAgreed: true,
        email: "ops@bosun.test",
        directoryUrl: pebble.directoryUrl,
        directoryCaPem: pebble.tlsCaPem,
        profile: "shortlived",
        solver: `127.0.0.1:${solverPort}`,
        solverListen: `127.0.0.1:${solverPort}`,
      }),
    },
    // Port 80 where Pebble validates HTTP-01; 443 on a free loopback port.
    "bosun:proxy": { value: JSON.stringify({ https: [`127.0.0.1:${httpsPort}`], http: [`127.0.0.1:${pebble.http01Port}`] }) },
  });
});

afterAll(async () => {
  await stack?.destroy().catch(() => {});
  await stack?.workspace.removeStack(stackName, { force: true }).catch(() => {});
  removeCheckpointBackups("bosun", stackName);
  await proxy.close();
  await sim?.stop();
  await cf?.stop();
  release?.();
});

describe("a published web app, end to end", () => {
  const serials: Record<string, string> = {};

  test("one up: DNS (split horizon), certificates (DNS-01 and HTTP-01), the proxy, containers, VPN, cap and IDS; the apps answer over TLS by name", async () => {
    const preview = await stack.preview();
    expect(preview.changeSummary.create).toBeGreaterThan(30);
    expect(Object.keys(sim.items("haproxyFrontends"))).toHaveLength(0); // a preview changes nothing

    sim.resetCalls();
    const up = await stack.up();
    expect(up.summary.result).toBe("succeeded");
    // HAProxy: port 80 first (its challenge route, before the HTTP-01 order), then everything once.
    expect(sim.calls().byPath["POST /api/haproxy/service/reconfigure"]).toBe(2);

    for (const [name, message] of [
      [cloud, "hello from nextcloud"],
      [blog, "hello from the blog"],
    ] as const) {
      const got = await getTls(name);
      expect(got.status, name).toBe(200);
      expect(got.body, name).toContain(message);
      serials[name] = got.serial;
    }
    const outputs = await stack.outputs();
    const certs = outputs.certificates?.value as Record<string, { serial: string; notAfter: string }>;
    expect(certs.cloud?.serial.replace(/^0+/, "")).toBe(serials[cloud]?.replace(/^0+/, ""));
    expect(outputs.published?.value).toEqual({ blog: `https://${blog}/`, nextcloud: `https://${cloud}/` });

    // Split horizon: the public record outside (Cloudflare), the proxy's LAN address inside (Unbound).
    const records = [...cf.store.records.values()].filter((r) => r.name === cloud);
    expect(records.map((r) => [r.type, r.content])).toEqual([["A", "198.51.100.7"]]);
    expect([...cf.store.records.values()].some((r) => r.name === blog)).toBe(false); // public: false
    const lan = Object.values(sim.items("hostOverrides", "live"));
    expect(lan).toEqual(expect.arrayContaining([expect.objectContaining({ hostname: "cloud", domain: zone, server: "10.63.0.1" })]));
    expect(lan).toEqual(expect.arrayContaining([expect.objectContaining({ hostname: "blog", domain: zone, server: "10.63.0.1" })]));

    // The VPN peer: its config and QR code are secret outputs; the QR decodes to the config.
    expect(outputs.vpnPeers?.secret).toBe(true);
    const phone = (outputs.vpnPeers?.value as Record<string, { config: string; qrPng: string; address: string }>).phone;
    expect(phone?.address).toBe("10.99.0.2");
    expect(phone?.config).toMatch(new RegExp(`Endpoint = vpn\\.${zone.replace(/\./g, "\\.")}:51820\\nAllowedIPs = 10\\.99\\.0\\.0/24, 10\\.63\\.0\\.0/24`));
    const png = PNG.sync.read(Buffer.from(phone?.qrPng ?? "", "base64"));
    expect(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data).toBe(phone?.config);
    // ...and its private key is stored encrypted: not in clear anywhere in the checkpoint file.
    const state = readFileSync(checkpointPaths(process.env["PULUMI_BACKEND_URL"], "bosun", stackName)[0] ?? "", "utf8");
    const privateKey = /PrivateKey = (\S+)/.exec(phone?.config ?? "")?.[1] ?? "missing";
    expect(state).not.toContain(privateKey);

    // The segment's cap (both ways) and IDS.
    expect(Object.values(sim.items("shaperPipes", "live")).map((p) => `${p.bandwidth} ${p.bandwidthMetric}`)).toEqual(["50 Mbit", "50 Mbit"]);
    expect(sim.store.state.idsGeneral.interfaces.split(",")).toContain("opt1");
  });

  test("a plain up renews certificates inside their renewal window; haproxy serves the new ones", async () => {
    sim.resetCalls();
    const up = await stack.up();
    expect(up.summary.resourceChanges?.update ?? 0).toBeGreaterThan(0);
    for (const name of [cloud, blog]) {
      const got = await getTls(name);
      expect(got.status).toBe(200);
      expect(got.serial, name).not.toBe(serials[name]); // verified against Pebble's root by getTls
    }
    expect(sim.calls().byPath["POST /api/haproxy/service/reconfigure"]).toBe(1);
  });

  test("destroy removes the proxy, names, VPN and policies again", async () => {
    await stack.destroy();
    for (const c of [
      "haproxyFrontends",
      "haproxyBackends",
      "haproxyServers",
      "trustCerts",
      "wireguardServers",
      "wireguardPeers",
      "shaperPipes",
      "shaperRules",
    ]) {
      expect(sim.items(c), c).toEqual({});
    }
    expect([...cf.store.records.values()].filter((r) => r.name === cloud)).toEqual([]);
  });
});
