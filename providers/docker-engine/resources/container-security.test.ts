// The container provider's security rules, called the way the engine calls
// them: bind mounts only from the stack's allowed roots (bosun's own state
// folder refused at check, a symlink escape refused at create before the
// engine is asked for anything), secret env values masked in the log lines a
// failed start reports, and a start failure on the real engine.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, parseDockerHost } from "../client/engine.ts";
import { check, configure, create, maskSecrets } from "./container-impl.ts";

const scratch = mkdtempSync(join(tmpdir(), "bosun-container-sec-"));
const root = join(scratch, "data");
mkdirSync(root, { recursive: true });
const name = `bosun-sec-test-${process.pid}`;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const config = (values: Record<string, string>) => ({ get: (k: string) => values[k] });
const base = { name, image: "bosun/base:1", memoryMb: 64 };

describe("bind mounts in the Docker provider", () => {
  it("refuses at check a host path outside the allowed roots, such as bosun's own state folder", async () => {
    configure(config({}));
    const state = process.env["BOSUN_STATE"] ?? "/nonexistent/.state";
    const r = await check({}, { ...base, volumes: [{ hostPath: `${state}/passphrase`, containerPath: "/x" }] });
    expect(r.failures).toEqual([
      expect.objectContaining({ property: "volumes[0].hostPath", reason: expect.stringMatching(/outside the directories this stack allows/) }),
    ]);
    const inside = await check({}, { ...base, volumes: [{ hostPath: `${state}/data/app`, containerPath: "/x" }] });
    expect(inside.failures).toEqual([]);
  });

  it("refuses a root list that names a system directory, at check", async () => {
    configure(config({ "bosun:hostPathRoots": '["/etc"]' }));
    const r = await check({}, { ...base, volumes: [{ hostPath: "/etc/cron.d", containerPath: "/x" }] });
    expect(r.failures[0]?.reason).toMatch(/system directory \/etc/);
  });

  it("refuses at create a path that escapes its root through a symlink, and creates nothing", async () => {
    configure(config({ "bosun:hostPathRoots": JSON.stringify([root]) }));
    symlinkSync("/etc", join(root, "escape"));
    const props = { ...base, volumes: [{ hostPath: join(root, "escape"), containerPath: "/host-etc" }] };
    expect((await check({}, props)).failures).toEqual([]); // lexically fine: only the disk shows the escape
    await expect(create(props)).rejects.toThrow(/symbolic link to \/etc, outside/);
    if (process.env["DOCKER_HOST"]) {
      const engine = createEngine(parseDockerHost(process.env["DOCKER_HOST"]));
      await expect(engine.json("GET", `/containers/${name}/json`)).rejects.toThrow(/No such container/);
    }
  });
});

describe("secret env values in errors", () => {
  it("masks every secret value, longest first", () => {
    const i = { env: { PASSWORD: "hunter2-long", TOKEN: "hunter2", PLAIN: "visible" }, secretEnv: ["PASSWORD", "TOKEN"] };
    expect(maskSecrets("login hunter2-long failed; token hunter2; visible", i)).toBe("login [secret] failed; token [secret]; visible");
  });

  // Needs the Docker engine setup starts (DOCKER_HOST) and the bosun/base image services.sh builds.
  it.skipIf(!process.env["DOCKER_HOST"])("masks a secret a failing container printed to its log", async () => {
    configure(config({}));
    const secret = `s3cr3t-${process.pid}-value`;
    const props = {
      ...base,
      pull: "never",
      env: { ADMIN_PASSWORD: secret },
      secretEnv: ["ADMIN_PASSWORD"],
      command: ["sh", "-c", 'echo "starting with password $ADMIN_PASSWORD"; exit 3'],
      restart: "no",
      startTimeoutSeconds: 20,
    };
    const err = (await create(props).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).not.toContain(secret);
    expect(err.message).toMatch(/did not start/);
    expect(err.message).toContain("starting with password [secret]");
  });
});
