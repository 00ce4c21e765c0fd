// "set up a dev environment for the web app on vlan 55" end to end: the
// offline translator's spec, through bosun's program and the real engine, on
// the real Docker engine: a segment, a workspace container with the runtime
// kept running, a PostgreSQL database whose password reaches the workspace as
// DATABASE_URL, under one DevEnvironment component, and the entry people open:
// https://webapp.home.arpa/ through the reverse proxy with a certificate from
// bosun's internal CA. The app started in the workspace answers there, over
// TLS verified against the stack's root (output rootCaPem).
// Real: the Docker engine, the Pulumi engine, Debian's haproxy (restarted on
// every HAProxy reconfigure with the config the simulator renders, as the box
// does). Stand-in: the OPNsense simulator (no OPNsense box can run here).
// No registry holds node:22 or postgres:17 here, so the stack maps them to
// local stand-ins (bosun:localImages): bosun/base:1 (busybox: sleep, httpd) and
// a postgres stand-in this test commits (sleep + a pg_isready that answers 0).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { translate } from "../../mcp-server/src/translator/index.ts";
import { createChangeCollector, countChanges, planText } from "../../mcp-server/src/orchestrator/changes.ts";
import { RealHaproxy } from "../support/haproxy.ts";
import { createTestStack, type TestStack } from "../support/test-stack.ts";
import { freePort } from "../support/ports.ts";

const run = promisify(execFile);
const docker = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));
const PG_STANDIN = "bosun-test/postgres-standin:1";
let sim: Simulator;
let t: TestStack;
const proxy = new RealHaproxy();
let httpsPort: number;

/** GET https://<name>/ through the proxy, trusting only `ca`. */
function getTls(name: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: "127.0.0.1", port: httpsPort, servername: name, headers: { host: name }, ...(ca ? { ca } : {}), agent: false }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The app comes up after the route: ask until it answers (haproxy rechecks a server that was down). */
async function answered(name: string, ca: string): Promise<{ status: number; body: string }> {
  let last = { status: 0, body: "" };
  for (let i = 0; i < 60; i++) {
    last = await getTls(name, ca);
    if (last.status === 200) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

/** A postgres stand-in: bosun/base:1 with a pg_isready that says ready, kept running. */
async function buildPgStandin(): Promise<void> {
  const present = await docker.json("GET", `/images/${encodeURIComponent(PG_STANDIN)}/json`).then(
    () => true,
    () => false,
  );
  if (present) return;
  const dir = mkdtempSync(join(tmpdir(), "pg-standin-"));
  try {
    writeFileSync(join(dir, "pg_isready"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const { stdout } = await run("docker", ["create", "bosun/base:1", "/bin/true"]);
    const id = stdout.trim();
    await run("docker", ["cp", join(dir, "pg_isready"), `${id}:/usr/bin/pg_isready`]);
    await run("docker", ["commit", "--change", 'CMD ["sleep", "infinity"]', id, PG_STANDIN]);
    await run("docker", ["rm", "-f", id]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("a dev environment from one intent", () => {
  beforeAll(async () => {
    await buildPgStandin();
    sim = await startSimulator({
      apiKey: "dev-key",
      apiSecret: "dev-secret",
      assignVlans: { "55": "10.55.0.1/24" },
      onReconfigure: (s) => proxy.onReconfigure(s),
    });
    proxy.attach(sim);
    httpsPort = await freePort();
    // The proxy listens on free loopback ports here (the box listens on 443 and 80).
    t = await createTestStack("devenv", sim, {
      "bosun:localImages": JSON.stringify({ "node:22-bookworm": "bosun/base:1", "postgres:17": PG_STANDIN }),
      "bosun:proxy": JSON.stringify({ https: [`127.0.0.1:${httpsPort}`], http: [`127.0.0.1:${await freePort()}`] }),
    });
  });

  afterAll(async () => {
    await t?.remove();
    await proxy.close();
    await sim?.stop();
  });

  it("translates, deploys and wires workspace, database and the https entry; destroy removes them", async () => {
    const tr = translate("set up a dev environment for the web app on vlan 55", undefined, { secret: (id) => `pw-${id.length}x${id.charCodeAt(0)}` });
    expect(tr.questions).toEqual([]);
    expect(tr.changes).toContain("add dev environment webapp: workspace webapp-dev, database webapp-db, reached as webapp over https (node)");
    // The translator publishes the app's port on 3000 of the host; a free one here, as other tests share this host.
    const appPort = await freePort();
    const workspacePort = tr.spec.services["webapp-dev"]?.ports[0];
    if (workspacePort === undefined) throw new Error("the translator gave the workspace no port");
    workspacePort.host = appPort;
    await t.stack.setConfig("bosun:spec", { value: JSON.stringify(tr.spec) });

    // The plan groups the new certificate and proxy route beside the dev environment.
    const collector = createChangeCollector();
    await t.stack.preview({ onEvent: (e) => collector.onEvent(e) });
    const plan = planText(collector.changes(), countChanges(collector.changes()));
    expect(plan).toMatch(/^dev environment webapp$/m);
    expect(plan).toMatch(/^certificate dev-webapp\n.*\+ create\s+cert-dev-webapp-leaf /m);
    expect(plan).toMatch(/^certificate authority\n.*\+ create\s+internal-ca /m);
    expect(plan).not.toMatch(/^other$/m);
    expect(plan).toMatch(/^reverse proxy\n(.*\n)*.*\+ create\s+proxy-dev-webapp-server .*address="127\.0\.0\.1"/m);

    const up = await t.stack.up();
    expect(up.summary.result).toBe("succeeded");
    const workspace = await docker.json<{ State: { Status: string }; Config: { Cmd: string[]; Env: string[] }; Mounts: { Destination: string }[] }>(
      "GET",
      `/containers/${t.name}-webapp-dev/json`,
    );
    expect(workspace.State.Status).toBe("running");
    expect(workspace.Config.Cmd).toEqual(["sleep", "infinity"]);
    const url = workspace.Config.Env.find((e) => e.startsWith("DATABASE_URL="));
    expect(url).toMatch(/^DATABASE_URL=postgresql:\/\/app:[^@]+@webapp-db:5432\/webapp$/);
    expect(workspace.Mounts.map((m) => m.Destination)).toContain("/workspace");
    const db = await docker.json<{ State: { Status: string; Health?: { Status: string } }; Config: { Env: string[] } }>(
      "GET",
      `/containers/${t.name}-webapp-db/json`,
    );
    expect(db.State.Status).toBe("running");
    // The database's password is the one in the workspace's URL.
    const password = db.Config.Env.find((e) => e.startsWith("POSTGRES_PASSWORD="))?.split("=")[1];
    expect(url).toContain(`app:${password}@`);

    // The entry's name points at the proxy (the segment's gateway); the workspace keeps its own.
    const hosts = Object.fromEntries(Object.values(sim.items("hostOverrides", "live")).map((h) => [h.hostname, h.server]));
    expect(hosts).toEqual({ webapp: "10.55.0.1", "webapp-dev": "10.55.0.11", "webapp-db": "10.55.0.10" });
    expect(up.outputs.devEnvironmentUrls?.value).toEqual({ webapp: "https://webapp.home.arpa/" });
    // The route: webapp.home.arpa to the workspace's published port.
    const servers = Object.values(sim.items("haproxyServers", "live")).map((s) => `${s.name} ${s.address}:${s.port}`);
    expect(servers).toEqual([`bosun-dev-webapp 127.0.0.1:${appPort}`]);
    const hostConditions = Object.values(sim.items("haproxyAcls", "live")).filter((a) => a.expression === "hdr");
    expect(hostConditions.map((a) => `${a.name} ${a.hdr}`)).toEqual(["bosun_dev-webapp_host webapp.home.arpa"]);
    // Its certificate from the internal CA: in the outputs, not published as a service.
    const certs = up.outputs.certificates?.value as Record<string, { serial: string; notAfter: string }>;
    expect(Object.keys(certs)).toEqual(["dev-webapp"]);
    expect(up.outputs.published?.value).toEqual({});
    const rootCa = up.outputs.rootCaPem?.value as string;
    expect(rootCa).toContain("BEGIN CERTIFICATE");

    // Someone starts the app in the workspace; it answers at the url, over TLS the stack's root vouches for.
    await run("docker", ["exec", `${t.name}-webapp-dev`, "sh", "-c", "echo hello from the workspace > /workspace/index.html && httpd -p 3000 -h /workspace"]);
    const got = await answered("webapp.home.arpa", rootCa);
    expect(got).toEqual({ status: 200, body: "hello from the workspace\n" });
    // Without the root, a client refuses the certificate.
    await expect(getTls("webapp.home.arpa")).rejects.toThrow(/certificate/);
    // All of it under the DevEnvironment component.
    const state = await t.stack.exportStack();
    const urns = (state.deployment.resources as { urn: string }[]).map((r) => r.urn);
    expect(urns.some((u) => u.endsWith("bosun:index:DevEnvironment::webapp"))).toBe(true);
    expect(urns.some((u) => u.includes("bosun:index:DevEnvironment$bosun:index:WebApp::webapp-workspace"))).toBe(true);
    expect(urns.some((u) => u.includes("bosun:index:DevEnvironment$bosun:index:WebApp::webapp-database"))).toBe(true);

    const destroy = await t.stack.destroy();
    expect(destroy.summary.result).toBe("succeeded");
    await expect(docker.json("GET", `/containers/${t.name}-webapp-dev/json`)).rejects.toThrow(/No such container/);
    expect(Object.keys(sim.items("hostOverrides"))).toHaveLength(0);
    for (const c of ["haproxyServers", "haproxyBackends", "haproxyAcls", "haproxyActions", "haproxyFrontends", "trustCerts"]) {
      expect(Object.keys(sim.items(c)), c).toHaveLength(0);
    }
  });
});
