// A Docker Compose file round-trips into a working deployment: `bosun import
// compose` (a child process, as in a terminal, with its own embedded database)
// maps it to spec entries, previews and applies it with the real engine; the
// containers run on the real Docker engine, pulled through this checkout's
// local registry (bosun:registryMirror local); OPNsense is its simulator.
// Then: the service answers on its published port with the compose file's
// environment, the secret is encrypted in the stack file, importing the same
// file again plans no change, and a file with build: is refused, naming it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../support/test-stack.ts";
import { freePort } from "../support/ports.ts";

const cli = fileURLToPath(new URL("../../mcp-server/src/cli/main.ts", import.meta.url));
const docker = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));
const SECRET = `tok-${Date.now().toString(36)}`;
let sim: Simulator;
let t: TestStack;
let state: string;
let dir: string;
let port: number;

function bosun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: REPO_ROOT, env: { ...process.env, BOSUN_STATE: state }, timeout: 240_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const compose = () => `
name: shop
services:
  web:
    image: bosun/echo-server:1
    ports: ["\${WEB_PORT:-${port}}:8080"]
    environment:
      MESSAGE: hello from compose
      API_TOKEN: ${SECRET}
    volumes:
      - data:/data
      - ./static:/srv/static:ro
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"]
      interval: 2s
      retries: 10
    mem_limit: 64m
    depends_on: [worker]
  worker:
    image: bosun/base:1
    command: sleep infinity
    restart: always
volumes:
  data: {}
`;

describe.skipIf(!process.env["BOSUN_REGISTRY"])("a compose file round-trips into a deployment", () => {
  beforeAll(async () => {
    port = await freePort();
    sim = await startSimulator({ apiKey: "compose-key", apiSecret: "compose-secret", assignVlans: { "54": "10.54.0.1/24" } });
    state = mkdtempSync(join(tmpdir(), "bosun-compose-"));
    // The compose file binds ./static: its project folder lives in bosun's data folder, where bind mounts may come from by default.
    mkdirSync(join(state, "data"));
    dir = mkdtempSync(join(state, "data", "compose-"));
    t = await createTestStack("compose", sim, { "bosun:registryMirror": "local" });
    mkdirSync(join(dir, "static"));
    writeFileSync(join(dir, "static", "index.html"), "static\n");
    writeFileSync(join(dir, "compose.yaml"), compose());
  });

  afterAll(async () => {
    await t?.remove();
    await sim?.stop();
    rmSync(state, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("imports, previews and applies it; the service answers with the file's environment", async () => {
    const r = await bosun(["import", "compose", join(dir, "compose.yaml"), "--stack", t.name, "--vlan", "54", "--apply", "--yes"]);
    expect(r.stderr, r.stdout).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('compose service "web" → services.web: image bosun/echo-server:1 on network vlan54 at 10.54.0.10');
    expect(r.stdout).toContain(`ports "${port}:8080" → ${port}/tcp to container 8080, open to the LAN`);
    expect(r.stdout).toContain("API_TOKEN stored as secrets");
    expect(r.stdout).toMatch(/\+ create\s+web-app-container/);
    expect(r.stdout).toContain("Applied in");

    const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(body).toContain("hello from compose");
    const web = await docker.json<{
      Config: { Image: string; Env: string[] };
      HostConfig: { Memory: number; Binds: string[] | null };
      Mounts: { Source: string; Destination: string; RW: boolean }[];
    }>("GET", `/containers/${t.name}-web/json`);
    // Pulled through the registry, as a Docker Hub image would be.
    expect(web.Config.Image).toBe(`${process.env["BOSUN_REGISTRY"]}/bosun/echo-server:1`);
    expect(web.Config.Env).toContain(`API_TOKEN=${SECRET}`);
    expect(web.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(web.Mounts.find((m) => m.Destination === "/srv/static")).toMatchObject({ Source: join(dir, "static"), RW: false });
    const worker = await docker.json<{ State: { Status: string }; Config: { Cmd: string[] } }>("GET", `/containers/${t.name}-worker/json`);
    expect(worker.State.Status).toBe("running");
    expect(worker.Config.Cmd).toEqual(["sleep", "infinity"]);
    // The secret is encrypted in the stack file; the rest stays readable.
    const file = readFileSync(t.file, "utf8");
    expect(file).not.toContain(SECRET);
    expect(file).toContain("hello from compose");
  });

  it("importing the same file again plans no change", async () => {
    const r = await bosun(["import", "compose", join(dir, "compose.yaml"), "--stack", t.name, "--vlan", "54", "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { counts: Record<string, number> };
    expect(plan.counts).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
  });

  it("refuses what bosun cannot express, naming the field, and plans nothing", async () => {
    writeFileSync(join(dir, "bad.yaml"), "services:\n  app:\n    build: .\n    network_mode: host\n");
    const r = await bosun(["import", "compose", join(dir, "bad.yaml"), "--stack", t.name]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("✗ services.app.build: bosun deploys images and does not build them");
    expect(r.stdout).toContain("✗ services.app.network_mode:");
    expect(r.stdout).not.toContain("Plan for stack");
  });
});
