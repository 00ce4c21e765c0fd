// The reverse proxy end to end at the provider level, with real servers where
// they can run here: Pebble (real ACME CA) issues the certificate by HTTP-01
// *through* Debian's real haproxy, which runs the haproxy.cfg the OPNsense
// simulator renders from what bosun's HAProxy resources wrote (the simulator
// stands in for the box: no OPNsense can run here). Then the app answers over
// TLS by name, plain http is redirected, a renewal is served after the next
// reconfigure (the old certificate until then), and deleting what is in use is
// refused by the box. Played on 26.7 (plugin 5.x) and 25.7 (plugin 4.x).
import { X509Certificate } from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey, issue, registerAccount, type AccountRef, type Directory } from "../../providers/acme-dynamic/client/acme.ts";
import { standaloneHttp01 } from "../../providers/acme-dynamic/solvers/http-standalone.ts";
import { ensurePebble, http01Lock, freshName, pebbleRoot, type Pebble } from "../../providers/acme-dynamic/test/pebble.ts";
import { setConnection } from "../../providers/opnsense-dynamic/resources/connection.ts";
import { resetApplyState } from "../../providers/opnsense-dynamic/resources/apply.ts";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import * as server from "../../providers/opnsense-dynamic/resources/haproxy-server-impl.ts";
import * as backend from "../../providers/opnsense-dynamic/resources/haproxy-backend-impl.ts";
import * as frontend from "../../providers/opnsense-dynamic/resources/haproxy-frontend-impl.ts";
import * as condition from "../../providers/opnsense-dynamic/resources/haproxy-condition-impl.ts";
import * as rule from "../../providers/opnsense-dynamic/resources/haproxy-rule-impl.ts";
import * as trust from "../../providers/opnsense-dynamic/resources/trust-cert-impl.ts";
import * as apply from "../../providers/opnsense-dynamic/resources/service-apply-impl.ts";
import { RealHaproxy } from "../support/haproxy.ts";
import { hold } from "../support/exclusive.ts";

type Props = Record<string, unknown>;
interface Impl {
  check(o: Props, n: Props): Promise<{ inputs: Props; failures: unknown[] }>;
  create(p: Props): Promise<{ id: string; outs: Props }>;
}

async function make(impl: Impl, news: Props): Promise<{ id: string; outs: Props }> {
  const checked = await impl.check({}, news);
  expect(checked.failures).toEqual([]);
  return impl.create({ ...checked.inputs, __provider: "serialized" });
}

let pebble: Pebble;
let dir: Directory;
let account: AccountRef;
let root: string;
let app: Server;
let appPort: number;

let release: (() => void) | undefined;
beforeAll(async () => {
  pebble = ensurePebble();
  // haproxy listens on Pebble's HTTP-01 port: other files that do wait (see pebble.ts http01Lock).
  release = await hold(http01Lock(pebble));
  dir = { url: pebble.directoryUrl, caPem: pebble.tlsCaPem };
  const keyPem = generateKey("ecdsa-p256");
  account = { keyPem, url: (await registerAccount(dir, keyPem, "ops@bosun.test", true)).url };
  root = await pebbleRoot(pebble);
  app = createServer((req, res) =>
    res.writeHead(200, { "content-type": "text/plain" }).end(`hello from cloud (host ${req.headers.host}, xff ${req.headers["x-forwarded-for"]})\n`),
  );
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appPort = (app.address() as AddressInfo).port;
});

afterAll(async () => {
  setConnection(null);
  await new Promise((r) => app?.close(r));
  release?.();
});

/** GET over TLS to 127.0.0.1:port with SNI and Host `name`, trusting only Pebble's root. */
function getTls(name: string, port: number): Promise<{ status: number; body: string; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: "127.0.0.1", port, servername: name, headers: { host: name }, ca: root, path: "/", agent: false }, (res) => {
      const serial = (res.socket as import("node:tls").TLSSocket).getPeerX509Certificate()?.serialNumber ?? "";
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, serial: serial.toLowerCase() }));
    });
    req.on("error", reject);
    req.end();
  });
}

function getPlain(name: string, port: number, path = "/"): Promise<{ status: number; location: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers: { host: name }, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? "") }));
    });
    req.on("error", reject);
    req.end();
  });
}

const serialOf = (pem: string) => new X509Certificate(pem).serialNumber.toLowerCase();

for (const version of ["26.7", "25.7"] as const) {
  describe(`reverse proxy on OPNsense ${version} (plugin ${version === "26.7" ? "5.x" : "4.x"}), served by a real haproxy`, () => {
    const proxy = new RealHaproxy();
    let sim: Simulator;
    const solverPort = 20000 + Math.floor(Math.random() * 20000);
    const httpsPort = 20000 + Math.floor(Math.random() * 20000);
    const zone = freshName(`proxy${version.replace(".", "")}`);
    const name = `cloud.${zone}`;
    const ids: Record<string, string> = {};
    const outs: Record<string, Props> = {};
    let trigger = 0;

    beforeAll(async () => {
      sim = await startSimulator({ apiKey: "edge-key", apiSecret: "edge-secret-0123456789", version, onReconfigure: (s) => proxy.onReconfigure(s) });
      proxy.attach(sim);
      resetApplyState();
      setConnection({ url: sim.url, apiKey: "edge-key", apiSecret: "edge-secret-0123456789", caPem: sim.caPem, retryBaseMs: 5 });
    });
    afterAll(async () => {
      await proxy.close();
      await sim?.stop();
    });

    const reconfigure = () => apply.create({ subsystem: "haproxy", trigger: String(++trigger) });

    test("the challenge route goes live, and Pebble validates HTTP-01 through haproxy", async () => {
      for (const [key, impl, args] of [
        ["acme-server", server, { name: "acme-solver", address: "127.0.0.1", port: solverPort, description: "bosun HTTP-01 solver" }],
        ["app-server", server, { name: "cloud-app", address: "127.0.0.1", port: appPort, description: "cloud" }],
      ] as const) {
        const made = await make(impl, { ...args, ownerTag: key === "acme-server" ? "a0000001" : "a0000002" });
        ids[key] = made.id;
      }
      ids["acme-backend"] = (await make(backend, { name: "acme", servers: [ids["acme-server"]], description: "ACME HTTP-01" })).id;
      ids["app-backend"] = (await make(backend, { name: "cloud", servers: [ids["app-server"]], description: "cloud" })).id;
      ids["acme-cond"] = (await make(condition, { name: "acme_challenge", kind: "pathPrefix", value: "/.well-known/acme-challenge/" })).id;
      ids["host-cond"] = (await make(condition, { name: "cloud_host", kind: "host", value: name })).id;
      ids["acme-rule"] = (await make(rule, { name: "acme_route", action: "use-backend", backend: ids["acme-backend"], conditions: [ids["acme-cond"]] })).id;
      ids["redirect"] = (await make(rule, { name: "to_https", action: "redirect-https", conditions: [ids["acme-cond"]], test: "unless" })).id;
      ids["app-rule"] = (await make(rule, { name: "cloud_route", action: "use-backend", backend: ids["app-backend"], conditions: [ids["host-cond"]] })).id;
      const http = await make(frontend, {
        name: "bosun-http",
        bind: [`127.0.0.1:${pebble.http01Port}`],
        rules: [ids["acme-rule"], ids["redirect"]],
      });
      expect(http.outs.serviceEnabled).toBe(true); // HAProxy was off on the box: bosun switched it on
      ids.http = http.id;
      await reconfigure();
      expect(proxy.reloads).toBe(1);
      // 5.x: type http-request + action redirect; 4.x: type http-request_redirect. Both render the same line.
      expect(proxy.config).toMatch(/http-request redirect scheme https code 301 unless acl_[0-9a-f]{13}/);
      expect(sim.items("haproxyActions")[ids.redirect ?? ""]).toMatchObject(
        version === "26.7"
          ? { type: "http-request", http_request_action: "redirect" }
          : { type: "http-request_redirect", http_request_redirect: "scheme https code 301" },
      );
      expect(sim.items("haproxyServers")[ids["acme-server"] ?? ""]?.description).toBe("bosun HTTP-01 solver [bosun:a0000001]");
      expect(proxy.config).toMatch(/acl acl_[0-9a-f]{13} path_beg -i \/\.well-known\/acme-challenge\//);

      // Pebble connects to 127.0.0.1:<http01Port>: haproxy, which routes the challenge path to the solver.
      const issued = await issue(dir, account, {
        names: [name],
        keyType: "ecdsa-p256",
        profile: "default",
        solver: standaloneHttp01({ address: "127.0.0.1", port: solverPort }),
      });
      outs.first = issued as unknown as Props;
      expect(issued.notAfter > new Date().toISOString()).toBe(true);

      // Everything else on port 80 is redirected to https.
      expect(await getPlain(name, pebble.http01Port, "/login")).toEqual({ status: 301, location: `https://${name}/login` });
    });

    test("the certificate goes into the trust store, and the app answers over TLS by name", async () => {
      const first = outs.first as { fullChainPem: string; privateKeyPem: string; certificatePem: string };
      const cert = await make(trust, { description: `${name} (bosun)`, certificatePem: first.fullChainPem, privateKeyPem: first.privateKeyPem });
      ids.cert = cert.id;
      outs.cert = cert.outs;
      expect(cert.outs).toMatchObject({ refid: expect.stringMatching(/^[0-9a-f]{13}$/), inUse: false });
      expect(JSON.stringify(cert.outs)).not.toContain("PRIVATE KEY"); // the key is never an output
      const https = await make(frontend, {
        name: "bosun-https",
        bind: [`127.0.0.1:${httpsPort}`],
        certificates: [cert.outs.refid],
        rules: [ids["app-rule"]],
      });
      ids.https = https.id;
      expect(https.outs.serviceEnabled).toBe(false); // already on
      await reconfigure();
      expect(proxy.config).toMatch(
        new RegExp(`bind 127\\.0\\.0\\.1:${httpsPort} name 127\\.0\\.0\\.1:${httpsPort} ssl alpn h2,http/1\\.1 crt-list .+\\.certlist`),
      );
      const got = await getTls(name, httpsPort);
      expect(got.status).toBe(200);
      expect(got.body).toContain(`hello from cloud (host ${name}, xff 127.0.0.1)`);
      expect(got.serial).toBe(serialOf(first.certificatePem));
    });

    test("a renewal is served once HAProxy reconfigures; until then the old certificate stays in service", async () => {
      const first = outs.first as { certificatePem: string };
      const renewed = await issue(dir, account, {
        names: [name],
        keyType: "ecdsa-p256",
        profile: "default",
        solver: standaloneHttp01({ address: "127.0.0.1", port: solverPort }),
      });
      const news = (
        await trust.check(outs.cert as Props, { description: `${name} (bosun)`, certificatePem: renewed.fullChainPem, privateKeyPem: renewed.privateKeyPem })
      ).inputs;
      expect((await trust.diff(ids.cert ?? "", outs.cert as Props, news)).changes).toBe(true);
      const updated = await trust.update(ids.cert ?? "", outs.cert as Props, news);
      expect(updated.outs.refid).toBe((outs.cert as Props).refid); // same refid: the frontend keeps pointing at it
      expect((await getTls(name, httpsPort)).serial).toBe(serialOf(first.certificatePem)); // saved, not yet live
      await reconfigure();
      expect((await getTls(name, httpsPort)).serial).toBe(serialOf(renewed.certificatePem));
    });

    test("drift shows in read; what is in use cannot be deleted; deletes leave nothing and switch HAProxy off again", async () => {
      sim.store.mutate({ collection: "haproxyServers", op: "set", uuid: ids["app-server"], item: { port: "9" } });
      const read = await server.read(ids["app-server"] ?? "", {});
      expect(read.props).toMatchObject({ port: 9, name: "cloud-app" });

      await expect(trust.remove(ids.cert ?? "", { description: `${name} (bosun)` })).rejects.toThrow(
        /cannot be deleted: .*in use by HAProxy frontend bosun-https/,
      );
      await expect(backend.remove(ids["app-backend"] ?? "", { name: "cloud" })).rejects.toThrow(
        /HAProxy backend cloud cannot be deleted: Item in use by rule cloud_route/,
      );

      await frontend.remove(ids.https ?? "", { name: "bosun-https", serviceEnabled: false });
      await frontend.remove(ids.http ?? "", { name: "bosun-http", serviceEnabled: true });
      for (const key of ["app-rule", "redirect", "acme-rule"]) await rule.remove(ids[key] ?? "", {});
      for (const key of ["host-cond", "acme-cond"]) await condition.remove(ids[key] ?? "", {});
      for (const key of ["app-backend", "acme-backend"]) await backend.remove(ids[key] ?? "", {});
      for (const key of ["app-server", "acme-server"]) await server.remove(ids[key] ?? "", {});
      await trust.remove(ids.cert ?? "", {});
      for (const c of ["haproxyFrontends", "haproxyActions", "haproxyAcls", "haproxyBackends", "haproxyServers", "trustCerts"])
        expect(sim.items(c), c).toEqual({});
      expect(sim.store.state.haproxyGeneral.enabled).toBe("0");
    });
  });
}
