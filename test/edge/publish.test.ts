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
//
// A third service ("mqtt", a broker-like stand-in that serves TLS itself) gets its
// certificate in its container (services.mqtt.tls): the process reports at start
// and on every SIGHUP which chain it finds, over HTTP, so the test sees what the
// service itself read. Two certificates are also imported for the firewall's web GUI
// (certificates.<n>.webGui): one the proxy already holds, one it does not.
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
import { X509Certificate, createHash } from "node:crypto";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";
import { unpackTar } from "../../providers/docker-engine/client/tar.ts";
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
const mqtt = `mqtt.${zone}`;
let httpsPort: number;
let mqttPort: number;
const docker = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));

// The stand-in reads its chain at start and on SIGHUP and says what it found (digest, key mode and owner).
const MQTT_COMMAND = [
  "/bin/sh",
  "-c",
  'mkdir -p /var/www; seen() { echo "$1 $(sha256sum /run/bosun/tls/fullchain.pem | cut -c1-64) $(stat -c "%a %u:%g" /run/bosun/tls/privkey.pem)" >> /var/www/index.html; }; ' +
    'seen start; trap "seen hup" HUP; httpd -f -p 0.0.0.0:8080 -h /var/www & while :; do wait; done',
];

/** What the mqtt stand-in reported, one line per read: "start|hup <sha256> <mode> <uid:gid>". */
async function mqttSeen(): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${mqttPort}/`);
  return (await res.text()).trim().split("\n");
}

/** The chain in the container as the Engine API shows it (not bosun's own read-back). */
async function chainInContainer(): Promise<string> {
  const tar = await docker.raw("GET", `/containers/${stackName}-mqtt/archive?path=${encodeURIComponent("/run/bosun/tls/fullchain.pem")}`);
  return unpackTar(tar)[0]?.content.toString() ?? "";
}
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

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
  mqttPort = await freePort();
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
      mqtt: {
        ...echo("", mqttPort),
        command: MQTT_COMMAND,
        tls: { certificate: "mqtt", reload: "SIGHUP", owner: "1883:1883" },
      },
    },
    dns: { publicZones: [zone] },
    certificates: {
      cloud: { dnsNames: [cloud], issuer: "acme", outsideDomain: true, webGui: true },
      blog: { dnsNames: [blog], issuer: "acme", outsideDomain: true, challenge: "http-01" },
      mqtt: { dnsNames: [mqtt], issuer: "acme", outsideDomain: true, webGui: true },
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

    // The certificate in the broker's container: what the process read at start is the issued chain, key 0600 for its user.
    const chain = await chainInContainer();
    expect(new X509Certificate(chain).serialNumber.toLowerCase().replace(/^0+/, "")).toBe((certs.mqtt?.serial ?? "missing").toLowerCase().replace(/^0+/, ""));
    expect(await mqttSeen()).toEqual([`start ${sha256(chain)} 600 1883:1883`]);
    serials[mqtt] = certs.mqtt?.serial ?? "";
    serials.mqttContainer = (outputs.services?.value as Record<string, { containerId: string }>).mqtt?.containerId ?? "missing";

    // The web GUI's certificates are in the trust store: the proxy's own entry for cloud, a new one for mqtt;
    // the output names each entry and the one manual step (OPNsense has no API for the GUI's certificate).
    const gui = outputs.webGuiCertificates?.value as Record<string, { description: string; refid: string; manualStep: string }>;
    const trust = Object.values(sim.items("trustCerts"));
    expect(Object.keys(gui).sort()).toEqual(["cloud", "mqtt"]);
    for (const key of ["cloud", "mqtt"]) {
      const entry = trust.find((t) => t.refid === gui[key]?.refid);
      expect(entry, key).toBeDefined();
      expect(gui[key]?.manualStep).toContain("System > Settings > Administration > SSL certificate");
    }
    expect(trust).toHaveLength(3); // cloud and blog for the proxy (cloud also for the GUI), mqtt for the GUI
    expect(JSON.stringify(gui)).not.toContain("PRIVATE KEY");

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

    // The broker's container got the renewed chain in place (same container) and was told with one SIGHUP.
    const outputs = await stack.outputs();
    const renewed = (outputs.certificates?.value as Record<string, { serial: string }>).mqtt?.serial ?? "";
    expect(renewed).not.toBe(serials[mqtt]);
    const chain = await chainInContainer();
    expect(new X509Certificate(chain).serialNumber.toLowerCase().replace(/^0+/, "")).toBe(renewed.toLowerCase().replace(/^0+/, ""));
    const seen = await mqttSeen();
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(`hup ${sha256(chain)} 600 1883:1883`);
    expect((outputs.services?.value as Record<string, { containerId: string }>).mqtt?.containerId).toBe(serials.mqttContainer);
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
