// "set up a dev environment for the web app on vlan 55" end to end: the
// offline translator's spec, through bosun's program and the real engine, on
// the real Docker engine (OPNsense is its simulator): a segment, a workspace
// container with the runtime kept running, a PostgreSQL database whose
// password reaches the workspace as DATABASE_URL, the proxy entry (a DNS name
// on the workspace), all under one DevEnvironment component.
// No registry holds node:22 or postgres:17 here, so the stack maps them to
// local stand-ins (bosun:localImages): bosun/base:1 (busybox, has sleep) and a
// postgres stand-in this test commits (sleep + a pg_isready that answers 0).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { translate } from "../../mcp-server/src/translator/index.ts";
import { createTestStack, type TestStack } from "../support/test-stack.ts";

const run = promisify(execFile);
const docker = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));
const PG_STANDIN = "bosun-test/postgres-standin:1";
let sim: Simulator;
let t: TestStack;

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
    sim = await startSimulator({ apiKey: "dev-key", apiSecret: "dev-secret", assignVlans: { "55": "10.55.0.1/24" } });
    t = await createTestStack("devenv", sim, { "bosun:localImages": JSON.stringify({ "node:22-bookworm": "bosun/base:1", "postgres:17": PG_STANDIN }) });
  });

  afterAll(async () => {
    await t?.remove();
    await sim?.stop();
  });

  it("translates, deploys and wires workspace, database and proxy entry; destroy removes them", async () => {
    const tr = translate("set up a dev environment for the web app on vlan 55", undefined, { secret: (id) => `pw-${id.length}x${id.charCodeAt(0)}` });
    expect(tr.questions).toEqual([]);
    expect(tr.changes).toContain("add dev environment webapp: workspace webapp-dev, database webapp-db, reached as webapp (node)");
    await t.stack.setConfig("bosun:spec", { value: JSON.stringify(tr.spec) });

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

    const hosts = Object.fromEntries(Object.values(sim.items("hostOverrides", "live")).map((h) => [h.hostname, h.server]));
    expect(hosts).toEqual({ webapp: "10.55.0.11", "webapp-dev": "10.55.0.11", "webapp-db": "10.55.0.10" });
    expect(up.outputs.devEnvironmentUrls?.value).toEqual({ webapp: "http://webapp.home.arpa:3000/" });
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
  });
});
