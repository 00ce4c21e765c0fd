// Bind-mount host paths: each bypass the security review found (duplicate
// slashes, dot segments, system directories the old deny-list missed, bosun's
// own state folder) and a symlink escape, on the real file system.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultHostPathRoot, hostPathOutsideRoots, hostPathProblem, parseHostPathRoots, resolveInsideRoots } from "./host-paths.ts";

const scratch = mkdtempSync(join(tmpdir(), "bosun-host-paths-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("host paths a container may never bind-mount", () => {
  it.each([
    ["//etc", /must not contain "\/\/" \(write \/etc\)/],
    ["/.", /"\/\." or "\/\.\." segments \(write \/\)/],
    ["//run/docker.sock", /must not contain "\/\/"/],
    ["/srv/../etc", /segments \(write \/etc\)/],
    ["/etc/", /must not end with "\/"/],
    ["/var/spool/cron", /inside the system directory \/var\/spool/],
    ["/lib64", /is the system directory \/lib64/],
    ["/run/docker.sock", /inside the system directory \/run/],
    ["/var", /a parent of the system directory \/var\/lib\/containerd/],
    ["/", /host's root directory/],
    ["relative/path", /absolute/],
  ])("refuses %s", (path, message) => {
    expect(hostPathProblem(path)).toMatch(message);
  });

  it("accepts a plain data directory", () => {
    expect(hostPathProblem("/srv/media")).toBeUndefined();
  });

  it("refuses bosun's own state folder and anything outside the allowed roots", () => {
    const env = { BOSUN_STATE: "/opt/bosun/.state" };
    const roots = parseHostPathRoots(undefined, env);
    expect(roots).toEqual([defaultHostPathRoot(env)]);
    expect(hostPathOutsideRoots("/opt/bosun/.state", roots)).toMatch(/outside the directories this stack allows/);
    expect(hostPathOutsideRoots("/opt/bosun/.state/passphrase", roots)).toMatch(/outside/);
    expect(hostPathOutsideRoots("/opt/bosun/.state/data/nextcloud", roots)).toBeUndefined();
    expect(hostPathOutsideRoots("/opt/bosun/.state/data/../passphrase", roots)).toMatch(/segments/);
    expect(() => parseHostPathRoots('["/opt/bosun"]', env)).toThrow(/would expose bosun's own state folder/);
    expect(() => parseHostPathRoots('["/etc"]', env)).toThrow(/system directory \/etc/);
    expect(() => parseHostPathRoots('["/srv", 3]', env)).toThrow(/JSON list/);
    expect(() => parseHostPathRoots("[", env)).toThrow(/JSON list/);
    expect(parseHostPathRoots('["/srv/bosun"]', env)).toEqual(["/srv/bosun"]);
  });
});

describe("apply-time resolution on disk", () => {
  const root = join(scratch, "data");
  mkdirSync(root, { recursive: true });

  it("follows symlinks and refuses one that leaves the root", () => {
    symlinkSync("/etc", join(root, "escape"));
    expect(() => resolveInsideRoots(join(root, "escape"), [root])).toThrow(/symbolic link to \/etc, outside/);
    expect(() => resolveInsideRoots(join(root, "escape", "cron.d"), [root])).toThrow(/symbolic link to \/etc/);
  });

  it("refuses a link to a file outside the root too", () => {
    const secret = join(scratch, "secret.txt");
    writeFileSync(secret, "x");
    symlinkSync(secret, join(root, "file-link"));
    expect(() => resolveInsideRoots(join(root, "file-link"), [root])).toThrow(/outside/);
  });

  it("creates a missing directory inside the root and returns its real path", () => {
    const real = resolveInsideRoots(join(root, "minecraft", "world"), [root]);
    expect(real.endsWith("/data/minecraft/world")).toBe(true);
  });

  it("allows a link that stays inside the root", () => {
    mkdirSync(join(root, "target"), { recursive: true });
    symlinkSync(join(root, "target"), join(root, "inner"));
    expect(resolveInsideRoots(join(root, "inner"), [root]).endsWith("/data/target")).toBe(true);
  });
});
