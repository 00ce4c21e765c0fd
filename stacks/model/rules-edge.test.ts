// The edge rules on whole specs: each bad input is refused with the field's
// path and a message that names the rule and the fix.
import { describe, expect, it } from "vitest";
import { parseSpec, type SpecInput } from "./index.ts";
import { containerArgsFor } from "./mapping.ts";

const base = (): SpecInput => ({
  version: 1,
  networks: { apps: { vlan: 30, subnet: "10.30.0.0/24" } },
  services: { nextcloud: { image: "nextcloud:29", network: "apps", ports: [{ container: 80, host: 8080 }] } },
  dns: { publicZones: ["example.com"] },
});

function errors(spec: SpecInput): Record<string, string> {
  const r = parseSpec(spec);
  return r.ok ? {} : Object.fromEntries(r.errors.map((e) => [e.path, e.message]));
}

describe("published services and their certificates", () => {
  it("accepts a service published with an ACME certificate proven by DNS-01 in a public zone", () => {
    const spec = base();
    spec.certificates = { cloud: { dnsNames: ["cloud.example.com"], issuer: "acme", outsideDomain: true } };
    spec.services!.nextcloud!.publish = { host: "cloud.example.com", certificate: "cloud" };
    expect(errors(spec)).toEqual({});
  });

  it("names outside the configured zones are refused, naming the field", () => {
    const spec = base();
    spec.certificates = { cloud: { dnsNames: ["cloud.example.org"], issuer: "acme", outsideDomain: true, challenge: "dns-01" } };
    spec.services!.nextcloud!.publish = { host: "cloud.example.org", certificate: "cloud" };
    expect(errors(spec)).toEqual({
      "certificates.cloud.dnsNames[0]":
        '"cloud.example.org" is outside the public zones (example.com): DNS-01 can only publish records there; add its zone to dns.publicZones or use challenge http-01',
      "services.nextcloud.publish.host":
        "cloud.example.org is outside the public zones (example.com): bosun cannot publish its DNS record; add its zone to dns.publicZones, or set public: false",
    });
  });

  it("a wildcard without DNS-01 is refused", () => {
    const spec = base();
    spec.dns = { publicZones: [] };
    spec.certificates = { wild: { dnsNames: ["*.example.net"], issuer: "acme", outsideDomain: true } };
    spec.services!.nextcloud!.publish = { host: "cloud.example.net", certificate: "wild" };
    expect(errors(spec)["certificates.wild.dnsNames[0]"]).toBe(
      '"*.example.net" is a wildcard, which only DNS-01 can prove: add example.net\'s zone to dns.publicZones (Cloudflare) so bosun can publish the TXT record',
    );
  });

  it("HTTP-01 needs a published service to answer through; a certificate must exist and cover the name; the port must be a TCP port", () => {
    const spec = base();
    spec.dns = {};
    spec.certificates = {
      lonely: { dnsNames: ["www.example.net"], issuer: "acme", outsideDomain: true },
      other: { dnsNames: ["other.example.net"], issuer: "acme", outsideDomain: true },
    };
    spec.services!.nextcloud!.publish = { host: "cloud.example.net", certificate: "other", port: 443 };
    expect(errors(spec)).toEqual({
      "certificates.lonely.challenge": expect.stringContaining("HTTP-01 is answered through the reverse proxy on port 80"),
      "services.nextcloud.publish.certificate": 'certificate "other" covers other.example.net, not cloud.example.net',
      "services.nextcloud.publish.port": "the service has no TCP port 443 (its TCP ports: 80)",
    });
    spec.services!.nextcloud!.publish = { host: "cloud.example.net", certificate: "clud" };
    expect(errors(spec)["services.nextcloud.publish.certificate"]).toBe('no certificate named "clud"; add it under certificates');
  });
});

describe("dev environments served through the proxy", () => {
  const withDev = (env: Record<string, unknown>, workspacePorts: unknown[] = [{ container: 3000 }]): SpecInput => {
    const spec = base();
    spec.dns = {};
    spec.services!["webapp-dev"] = { image: "node:22-bookworm", network: "apps", command: ["sleep", "infinity"], ports: workspacePorts as never };
    spec.lxc = { box: { network: "apps", ports: [{ port: 53, protocol: "udp" }] } };
    spec.devEnvironments = { webapp: { workspace: "webapp-dev", ...env } };
    return spec;
  };

  it("accepts one with a TCP port, and one without a port when tls is off", () => {
    expect(errors(withDev({}))).toEqual({});
    expect(errors(withDev({ tls: false }, []))).toEqual({});
  });

  it("refuses one with no TCP port to route to, naming the port and the way out", () => {
    expect(errors(withDev({}, []))).toEqual({
      "devEnvironments.webapp.port":
        'the workspace "webapp-dev" has no TCP port for the reverse proxy to send requests to: add the app\'s port to its ports, or set tls: false for a plain DNS name on the workspace',
    });
    expect(errors(withDev({}, [{ container: 5353, protocol: "udp" }]))["devEnvironments.webapp.port"]).toContain("has no TCP port");
    expect(errors(withDev({ port: 5353 }, [{ container: 5353, protocol: "udp" }]))).toEqual({
      "devEnvironments.webapp.port": 'port 5353 of "webapp-dev" is UDP; the reverse proxy sends HTTPS requests to a TCP port',
    });
    const guest = withDev({ workspace: "box" });
    delete guest.services!["webapp-dev"];
    expect(errors(guest)["devEnvironments.webapp.port"]).toContain('the workspace "box" has no TCP port');
  });

  it("refuses a name already published, and names its route and certificate would share", () => {
    const spec = withDev({});
    spec.certificates = { blog: { dnsNames: ["webapp"] }, "dev-webapp": { dnsNames: ["x"] } };
    spec.services!.nextcloud!.publish = { host: "webapp.home.arpa", certificate: "blog", public: false };
    expect(errors(spec)).toEqual({
      "devEnvironments.webapp.proxy": 'webapp.home.arpa is already published by service "nextcloud"; choose another proxy name',
      "devEnvironments.webapp": 'its certificate is kept under the name "dev-webapp", which certificates.dev-webapp already has; rename that certificate',
    });
    const named = withDev({ proxy: "app" });
    named.certificates = { shop: { dnsNames: ["dev-webapp"] } };
    named.services!["dev-webapp"] = {
      image: "nginx:1",
      network: "apps",
      ports: [{ container: 80, host: 8081 }],
      publish: { host: "dev-webapp.home.arpa", certificate: "shop", public: false },
    };
    expect(errors(named)).toEqual({
      "devEnvironments.webapp": 'its proxy route goes by the name "dev-webapp", which the published service "dev-webapp" already has; rename that service',
    });
  });
});

describe("the VPN", () => {
  it("peers get addresses in its own segment; overlaps and unknown networks are refused", () => {
    const spec = base();
    spec.vpn = { subnet: "10.30.0.0/25", allow: ["apps", "lab"], peers: { phone: { address: "10.30.0.1" }, laptop: { address: "10.99.0.5" } } };
    expect(errors(spec)).toEqual({
      "vpn.subnet": 'the VPN\'s subnet 10.30.0.0/25 overlaps 10.30.0.0/24 of network "apps"',
      "vpn.allow[1]": 'no network named "lab"; use a network name, "lan" or "any"',
      "vpn.peers.phone.address": "10.30.0.1 is already used by the box",
      "vpn.peers.laptop.address": "10.99.0.5 must be inside the VPN's subnet 10.30.0.0/25",
    });
    expect(errors({ ...base(), vpn: { peers: { phone: {} } } })).toEqual({});
  });
});

describe("segment policy", () => {
  it("limits and IDS are checked for range and kind", () => {
    const spec = base();
    spec.networks!.apps!.limitMbit = 0;
    expect(errors(spec)).toEqual({ "networks.apps.limitMbit": "limitMbit must be at least 1" });
  });
});

describe("certificates in a service's container and for the web GUI", () => {
  it("accepts a service with a certificate in its container; defaults fill path, reload and owner; the mapping carries them", () => {
    const spec = base();
    spec.dns = { domain: "home.arpa" };
    spec.certificates = { mqtt: { dnsNames: ["mqtt"], webGui: true } };
    spec.services!.nextcloud!.tls = { certificate: "mqtt", reload: "SIGHUP", owner: "1883:1883" };
    const r = parseSpec(spec);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.services.nextcloud?.tls).toEqual({ certificate: "mqtt", path: "/run/bosun/tls", reload: "SIGHUP", owner: "1883:1883" });
    expect(r.spec.certificates.mqtt?.webGui).toBe(true);
    expect(containerArgsFor(r.spec, "nextcloud").tls).toEqual({ certificate: "mqtt", path: "/run/bosun/tls", reload: "SIGHUP", uid: 1883, gid: 1883 });
  });

  it("refuses an unknown certificate, a folder on a volume, a bad path, reload and owner, naming each field", () => {
    const spec = base();
    spec.certificates = { mqtt: { dnsNames: ["mqtt.example.com"], issuer: "self-signed", outsideDomain: true } };
    spec.services!.nextcloud!.volumes = [{ name: "data", target: "/data" }];
    spec.services!.nextcloud!.tls = { certificate: "mqt", path: "/data/tls" };
    expect(errors(spec)).toEqual({
      "services.nextcloud.tls.certificate": 'no certificate named "mqt": add it under certificates; did you mean "mqtt"?',
      "services.nextcloud.tls.path": "/data/tls overlaps the volume mounted at /data: the certificate's folder is a volume of its own; choose another path",
    });
    spec.services!.nextcloud!.tls = { certificate: "mqtt", path: "/proc/tls", reload: "SIGKILL" as never, owner: "root" };
    expect(errors(spec)).toEqual({
      "services.nextcloud.tls.path": "must not be under /proc, /sys or /dev",
      "services.nextcloud.tls.reload": expect.stringContaining("restart"),
      "services.nextcloud.tls.owner": 'must be "uid:gid" like "1883:1883"',
    });
    spec.services!.nextcloud!.tls = { certificate: "mqtt", path: "relative/tls" };
    expect(errors(spec)["services.nextcloud.tls.path"]).toBe("must be an absolute folder path like /run/bosun/tls (letters, digits, . _ -)");
  });
});
