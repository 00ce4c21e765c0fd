// The ustar writer and reader: pure parts, and one round trip through the real
// dockerd's archive endpoint (what the engine writes back, what it accepts).
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createEngine, parseDockerHost } from "./engine.ts";
import { packTar, splitName, unpackTar } from "./tar.ts";

describe("ustar names", () => {
  it("keeps names up to 100 bytes whole and splits longer ones at a '/' into prefix and name", () => {
    expect(splitName("etc/tls/server.key")).toEqual({ prefix: "", name: "etc/tls/server.key" });
    const long = `${"d".repeat(120)}/tls/server.key`;
    expect(splitName(long)).toEqual({ prefix: "d".repeat(120), name: "tls/server.key" });
  });

  it("refuses names that do not fit and paths that are not plain relative ones", () => {
    expect(() => splitName("x".repeat(101))).toThrow(/too long for a ustar archive/);
    expect(() => splitName(`${"a".repeat(200)}/${"b".repeat(90)}`)).toThrow(/too long/);
    expect(() => splitName("/etc/passwd")).toThrow(/not a plain relative file path/);
    expect(() => splitName("etc/../passwd")).toThrow(/not a plain relative file path/);
  });
});

describe("pack and unpack", () => {
  it("round-trips names, modes, owners and contents of any size", () => {
    const files = [
      { name: "a.pem", content: Buffer.from("-----BEGIN CERTIFICATE-----\n"), mode: 0o644, uid: 0, gid: 0, mtime: 1 },
      { name: `${"d".repeat(120)}/k.pem`, content: randomBytes(1500), mode: 0o600, uid: 1000, gid: 1001, mtime: 1 },
      { name: "empty", content: Buffer.alloc(0), mode: 0o400, uid: 7, gid: 8, mtime: 1 },
    ];
    const tar = packTar(files);
    expect(tar.length % 512).toBe(0);
    expect(unpackTar(tar)).toEqual(files.map(({ mtime: _, ...f }) => ({ ...f, type: "0" })));
  });

  it("refuses a damaged header", () => {
    const tar = packTar([{ name: "x", content: Buffer.from("y"), mode: 0o644, uid: 0, gid: 0 }]);
    tar[0] = "z".charCodeAt(0);
    expect(() => unpackTar(tar)).toThrow(/checksum mismatch/);
  });
});

// Needs DOCKER_HOST (scripts/with-env.sh where setup started dockerd) and the bosun/base:1 image.
describe.skipIf(!process.env["DOCKER_HOST"])("through the real engine", () => {
  it("uploads an archive into a created container and reads each file back", async () => {
    const engine = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? ""));
    const name = `test-tar-${randomBytes(3).toString("hex")}`;
    const made = await engine.json<{ Id: string }>("POST", `/containers/create?name=${name}`, { Image: "bosun/base:1", Cmd: ["true"] });
    try {
      const key = randomBytes(700);
      const deep = `${"d".repeat(110)}/server.key`;
      await engine.raw("PUT", `/containers/${made.Id}/archive?path=/tmp`, packTar([{ name: deep, content: key, mode: 0o640, uid: 12, gid: 34 }]));
      const back = unpackTar(await engine.raw("GET", `/containers/${made.Id}/archive?path=${encodeURIComponent(`/tmp/${deep}`)}`));
      expect(back).toEqual([{ name: "server.key", type: "0", mode: 0o640, uid: 12, gid: 34, content: key }]);
    } finally {
      await engine.json("DELETE", `/containers/${made.Id}?force=1`);
    }
  });
});
