// What the reverse proxy serves, from whole specs: published services and dev
// environments (a container or a VM/LXC workspace), their certificates and
// their LAN names.
import { describe, expect, it } from "vitest";
import { formatSpecErrors, parseSpec, type SpecInput, type SpecV1 } from "./index.ts";
import { certificatePlansFor, lanNamesFor, proxyRoutesFor, publicRecordsFor } from "./mapping-edge.ts";
import { dnsRecordsFor } from "./mapping.ts";

function spec(raw: SpecInput): SpecV1 {
  const r = parseSpec(raw);
  if (!r.ok) throw new Error(formatSpecErrors(r.errors));
  return r.spec;
}

const dev = (): SpecInput => ({
  version: 1,
  networks: { dev: { vlan: 70, subnet: "10.70.0.0/24" } },
  services: {
    "webapp-dev": { image: "node:22-bookworm", network: "dev", command: ["sleep", "infinity"], ports: [{ container: 3000, host: 3001 }] },
    "webapp-db": { template: "postgresql", network: "dev", env: { POSTGRES_PASSWORD: { secret: "pw" } } },
    blog: { image: "ghost:5", network: "dev", ports: [{ container: 2368 }], publish: { host: "blog.home.arpa", certificate: "blog", public: false } },
  },
  certificates: { blog: { dnsNames: ["blog"] } },
  vms: { box: { network: "dev", ports: [{ port: 22 }, { port: 8080 }] } },
  lxc: { ct: { network: "dev", ports: [{ port: 53, protocol: "udp" }, { port: 5173 }] } },
  devEnvironments: {
    webapp: { workspace: "webapp-dev", database: "webapp-db" },
    api: { workspace: "box", port: 8080, proxy: "api-dev" },
    front: { workspace: "ct" },
  },
});

describe("dev environments behind the reverse proxy", () => {
  it("routes each one's name to its workspace: a container on its published port (bridge) or own address, a VM or LXC container on its address", () => {
    const s = spec(dev());
    const byKey = (publishAddress?: string) => Object.fromEntries(proxyRoutesFor(s, publishAddress).map((r) => [r.key, r]));
    expect(byKey("127.0.0.1")).toEqual({
      blog: {
        key: "blog",
        owner: { kind: "service", name: "blog" },
        host: "blog.home.arpa",
        upstream: { address: "127.0.0.1", port: 2368 },
        certificate: "blog",
        public: false,
        network: "dev",
      },
      "dev-api": {
        key: "dev-api",
        owner: { kind: "dev", name: "api" },
        host: "api-dev.home.arpa",
        upstream: { address: "10.70.0.13", port: 8080 },
        certificate: "dev-api",
        public: false,
        network: "dev",
      },
      "dev-front": {
        key: "dev-front",
        owner: { kind: "dev", name: "front" },
        host: "front.home.arpa",
        // The first TCP port: 53 is UDP.
        upstream: { address: "10.70.0.14", port: 5173 },
        certificate: "dev-front",
        public: false,
        network: "dev",
      },
      "dev-webapp": {
        key: "dev-webapp",
        owner: { kind: "dev", name: "webapp" },
        host: "webapp.home.arpa",
        upstream: { address: "127.0.0.1", port: 3001 },
        certificate: "dev-webapp",
        public: false,
        network: "dev",
      },
    });
    // Without a publish address (macvlan/ipvlan) the proxy reaches the container itself.
    expect(byKey()["dev-webapp"]?.upstream).toEqual({ address: "10.70.0.12", port: 3000 });
  });

  it("gives each one a certificate for its name from the internal CA, LAN only", () => {
    const s = spec(dev());
    expect(certificatePlansFor(s)).toEqual([
      { key: "blog", names: ["blog.home.arpa"], issuer: "internal", zones: [] },
      { key: "dev-api", names: ["api-dev.home.arpa"], issuer: "internal", zones: [] },
      { key: "dev-front", names: ["front.home.arpa"], issuer: "internal", zones: [] },
      { key: "dev-webapp", names: ["webapp.home.arpa"], issuer: "internal", zones: [] },
    ]);
    expect(publicRecordsFor(s)).toEqual([]);
  });

  it("moves each one's own name to the proxy (no second override), like a service published under its own name", () => {
    const s = spec(dev());
    const names = lanNamesFor(s).map((n) => `${n.owner.kind} ${n.owner.name}: ${n.hostname}.${n.domain} own=${n.ownName}`);
    expect(names).toEqual([
      "service blog: blog.home.arpa own=true",
      "dev api: api-dev.home.arpa own=true",
      "dev front: front.home.arpa own=true",
      "dev webapp: webapp.home.arpa own=true",
    ]);
    // The model's record still names the workspace; the program points it at the proxy (edge.lanAddressOf).
    expect(dnsRecordsFor(s).filter((r) => r.description.startsWith("dev "))).toEqual([
      { hostname: "api-dev", domain: "home.arpa", address: "10.70.0.13", type: "A", description: "dev api" },
      { hostname: "front", domain: "home.arpa", address: "10.70.0.14", type: "A", description: "dev front" },
      { hostname: "webapp", domain: "home.arpa", address: "10.70.0.12", type: "A", description: "dev webapp" },
    ]);
  });

  it("tls: false keeps the plain name on the workspace: no route, no certificate", () => {
    const raw = dev();
    for (const env of Object.values(raw.devEnvironments ?? {})) env.tls = false;
    const s = spec(raw);
    expect(proxyRoutesFor(s).map((r) => r.key)).toEqual(["blog"]);
    expect(certificatePlansFor(s).map((p) => p.key)).toEqual(["blog"]);
    expect(lanNamesFor(s).map((n) => n.key)).toEqual(["blog"]);
  });

  it("an older spec without tls is served over https (the default)", () => {
    const s = spec({ ...dev(), devEnvironments: { webapp: { workspace: "webapp-dev", database: "webapp-db", proxy: "webapp", port: 3000 } } });
    expect(s.devEnvironments["webapp"]?.tls).toBe(true);
    expect(proxyRoutesFor(s).map((r) => `${r.key} ${r.host}`)).toEqual(["blog blog.home.arpa", "dev-webapp webapp.home.arpa"]);
  });
});
