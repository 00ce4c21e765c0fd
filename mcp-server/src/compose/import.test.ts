// Compose → spec mapping, pure: what each field becomes, what is refused (with
// the field named), interpolation, and that the result is a valid spec.
import { describe, expect, it } from "vitest";
import { emptySpec, parseSpec, type SpecV1 } from "../../../stacks/model/index.ts";
import { environment, interpolate, mebibytes, ports, seconds, shellWords, volume } from "./fields.ts";
import { importCompose } from "./import.ts";

const withNetwork = (): SpecV1 => {
  const r = parseSpec({
    version: 1,
    networks: { servers: { vlan: 10, subnet: "10.10.0.0/24" } },
    services: { zzz: { image: "nginx:1", network: "servers" } },
  });
  if (!r.ok) throw new Error("fixture");
  return r.spec;
};

const APP = `
name: shop
services:
  web:
    image: nginx:1.27-alpine
    ports: ["\${WEB_PORT:-8080}:80", "127.0.0.1:9090:9090/udp"]
    environment:
      - TZ=Etc/UTC
      - DB_PASSWORD=hunter22
    volumes:
      - html:/usr/share/nginx/html:ro
      - ./conf:/etc/nginx/conf.d
    command: nginx -g "daemon off;"
    healthcheck: { test: ["CMD-SHELL", "wget -qO- http://127.0.0.1/ || exit 1"], interval: 10s, retries: 3 }
    deploy: { resources: { limits: { memory: 256M, cpus: "0.5" } } }
    restart: on-failure:3
    depends_on: [db]
    labels: { team: web }
  db:
    image: postgres:17
    environment: { POSTGRES_PASSWORD: example, POSTGRES_DB: shop }
    volumes: [db-data:/var/lib/postgresql/data]
    mem_limit: 1g
volumes:
  html: {}
  db-data: {}
`;

describe("importCompose", () => {
  it("maps services, ports, volumes, env (secrets), command, health check and limits onto the stack's network", () => {
    const r = importCompose(APP, withNetwork(), { baseDir: "/srv/shop" });
    expect(r.refused).toEqual([]);
    const web = r.spec?.services.web;
    expect(web).toMatchObject({
      image: "nginx:1.27-alpine",
      network: "servers",
      memoryMb: 256,
      cpus: 0.5,
      restart: "on-failure",
      command: ["nginx", "-g", "daemon off;"],
      env: { TZ: "Etc/UTC", DB_PASSWORD: { secret: "hunter22" } },
      ports: [
        { container: 80, host: 8080, protocol: "tcp", expose: "lan" },
        { container: 9090, host: 9090, protocol: "udp", expose: "network" },
      ],
      volumes: [
        { name: "html", target: "/usr/share/nginx/html", readOnly: true },
        { hostPath: "/srv/shop/conf", target: "/etc/nginx/conf.d", readOnly: false },
      ],
      healthCheck: { command: ["sh", "-c", "wget -qO- http://127.0.0.1/ || exit 1"], intervalSeconds: 10, retries: 3 },
    });
    expect(r.spec?.services.db).toMatchObject({ memoryMb: 1024, env: { POSTGRES_PASSWORD: { secret: "example" }, POSTGRES_DB: "shop" } });
    // New services get pinned addresses after the existing one, which keeps its own.
    expect([r.spec?.services.zzz?.address, r.spec?.services.db?.address, r.spec?.services.web?.address]).toEqual(["10.10.0.10", "10.10.0.11", "10.10.0.12"]);
    expect(r.mapping).toContain('compose service "web" → services.web: image nginx:1.27-alpine on network servers at 10.10.0.12');
    expect(r.mapping).toContain('  ports "${WEB_PORT:-8080}:80" → 8080/tcp to container 80, open to the LAN'.replace("${WEB_PORT:-8080}", "8080"));
    expect(r.mapping.some((m) => m.includes("DB_PASSWORD stored as secrets"))).toBe(true);
    expect(r.notes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^services\.web\.depends_on: ignored/), expect.stringMatching(/^services\.web\.labels: ignored/)]),
    );
    // Importing the same file again changes nothing.
    const again = importCompose(APP, r.spec as SpecV1, { baseDir: "/srv/shop" });
    expect(JSON.stringify(again.spec)).toBe(JSON.stringify(r.spec));
  });

  it("refuses what bosun cannot express, naming every field, and plans nothing", () => {
    const r = importCompose(
      `
services:
  app:
    build: .
    privileged: true
    network_mode: host
    devices: ["/dev/ttyUSB0:/dev/ttyUSB0"]
    env_file: .env
  worker:
    image: busybox:1
    environment: ["API_URL=\${API_URL}"]
    volumes: ["shared:/a", "./rel:/b", {type: tmpfs, target: /tmp}]
  other:
    image: busybox:1
    volumes: ["shared:/a"]
    deploy: { replicas: 3 }
secrets: { key: { file: ./key } }
`,
      withNetwork(),
    );
    expect(r.spec).toBeUndefined();
    const paths = r.refused.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "secrets",
        "services.app.build",
        "services.app.privileged",
        "services.app.network_mode",
        "services.app.devices",
        "services.app.env_file",
        "services.worker.environment[0]",
        "services.worker.volumes[1]",
        "services.worker.volumes[2]",
        "services.other.deploy.replicas",
        "volumes.shared",
      ]),
    );
    expect(r.refused.find((p) => p.path === "services.app.build")?.message).toMatch(/does not build them/);
    expect(r.refused.find((p) => p.path === "services.worker.environment[0]")?.message).toMatch(/\$\{API_URL\} needs a value/);
    expect(r.refused.find((p) => p.path === "volumes.shared")?.message).toMatch(/shared by worker and other/);
  });

  it("says where services go: the only network, a VLAN (new or existing), or asks", () => {
    expect(importCompose("services: { a: { image: 'busybox:1' } }", emptySpec()).refused[0]?.message).toMatch(/say where the services go/);
    const created = importCompose("services: { a: { image: 'busybox:1' } }", emptySpec(), { vlan: 53 });
    expect(created.spec?.networks.vlan53).toMatchObject({ vlan: 53, subnet: "10.53.0.0/24" });
    expect(importCompose("services: { a: { image: 'busybox:1' } }", withNetwork(), { vlan: 10 }).spec?.services.a?.network).toBe("servers");
    expect(importCompose("services: { a: { image: 'busybox:1' } }", withNetwork(), { network: "nope" }).refused[0]?.message).toMatch(/no network "nope"/);
    expect(importCompose("not: [valid", emptySpec()).refused[0]?.message).toMatch(/not valid YAML/);
  });

  it("hands spec errors back with their path (a port published twice)", () => {
    const r = importCompose("services: { a: { image: 'busybox:1', ports: ['8080:80'] }, b: { image: 'busybox:1', ports: ['8080:81'] } }", withNetwork());
    expect(r.refused[0]?.path).toBe("spec: services.b.ports[0].host");
  });
});

describe("compose fields", () => {
  it("reads ports, volumes, sizes, durations, commands, environment and variables", () => {
    expect(ports("53:53/udp")).toEqual({ ok: true, value: [{ container: 53, host: 53, protocol: "udp", loopback: false, randomHost: false }] });
    expect(ports("9000-9001:8000-8001").ok && ports("9000-9001:8000-8001")).toMatchObject({
      value: [
        { host: 9000, container: 8000 },
        { host: 9001, container: 8001 },
      ],
    });
    expect(ports({ target: 80, published: "8080", protocol: "tcp" })).toMatchObject({ ok: true, value: [{ host: 8080, container: 80 }] });
    expect(ports("80").ok && ports("80")).toMatchObject({ value: [{ host: 80, randomHost: true }] });
    expect(ports("8080:80/sctp")).toMatchObject({ ok: false });
    expect(ports("10.0.0.5:80:80")).toMatchObject({ ok: false });
    expect(volume("/data")).toEqual({ ok: true, value: { kind: "anonymous", target: "/data" } });
    expect(volume("./x:/y:ro,z")).toEqual({ ok: true, value: { kind: "bind", source: "./x", target: "/y", readOnly: true } });
    expect(mebibytes("1.5g")).toEqual({ ok: true, value: 1536 });
    expect(mebibytes(268435456)).toEqual({ ok: true, value: 256 });
    expect(mebibytes("lots")).toMatchObject({ ok: false });
    expect(seconds("1m30s")).toEqual({ ok: true, value: 90 });
    expect(seconds("soon")).toMatchObject({ ok: false });
    expect(shellWords(`sh -c 'echo "a b"' x\\ y`)).toEqual({ ok: true, value: ["sh", "-c", 'echo "a b"', "x y"] });
    expect(shellWords(`echo "open`)).toMatchObject({ ok: false });
    expect(environment({ A: 1, B: true })).toEqual({ ok: true, value: { A: "1", B: "true" } });
    expect(environment(["A"])).toMatchObject({ ok: false });
    expect(interpolate("a $$HOME ${X:-d} ${Y-e}")).toEqual({ ok: true, value: "a $HOME d e" });
    expect(interpolate("${X:?required}")).toMatchObject({ ok: false });
  });
});
