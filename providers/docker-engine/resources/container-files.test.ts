// The container provider's rules for `files`, called the way the engine calls
// check(): a bad path, a duplicate, a mode out of range are failures naming the
// field, never the content; file contents are masked in text that leaves.
import { describe, expect, it } from "vitest";
import { check, configure, diff, maskSecrets } from "./container-impl.ts";
import { desiredDigest } from "./container-files.ts";

const base = { name: "test-files-check", image: "bosun/base:1", memoryMb: 32 };
const secret = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";

describe("files at check", () => {
  it("names the field and the rule, and fills the defaults", async () => {
    configure({ get: () => undefined });
    const r = await check(
      {},
      {
        ...base,
        files: [
          { path: "etc/tls/key.pem", content: secret },
          { path: "/etc/tls/../key.pem", content: secret },
          { path: "/etc/tls/cert.pem", content: "c", mode: 0o10000 },
          { path: "/etc/tls/cert.pem", content: "c" },
          { path: `/${"x".repeat(101)}`, content: "c" },
        ],
        reload: "SIGKILL",
      },
    );
    const byField = Object.fromEntries(r.failures.map((f) => [f.property, f.reason]));
    expect(Object.keys(byField).sort()).toEqual(["files.0.path", "files.1.path", "files.2.mode", "files.3.path", "files.4.path", "reload"]);
    expect(byField["files.0.path"]).toMatch(/normalized absolute file path/);
    expect(byField["files.3.path"]).toMatch(/listed twice/);
    expect(byField["files.4.path"]).toMatch(/too long for a ustar archive/);
    for (const reason of Object.values(byField)) expect(reason).not.toContain("MIIEvQ");

    const ok = await check({}, { ...base, files: [{ path: "/etc/tls/key.pem", content: secret }] });
    expect(ok.failures).toEqual([]);
    expect(ok.inputs["files"]).toEqual([{ path: "/etc/tls/key.pem", content: secret, mode: 0o644, uid: 0, gid: 0 }]);
    expect(ok.inputs["reload"]).toBe("restart");
  });

  it("diffs files by digest as an update, never a replace", async () => {
    const files = [{ path: "/etc/tls/key.pem", content: secret, mode: 0o600, uid: 0, gid: 0 }];
    const olds = { ...base, files, reload: "restart", filesSha256: desiredDigest(files) };
    expect(await diff("id", olds, { ...olds })).toMatchObject({ changes: false });
    const edited = { ...olds, files: [{ ...files[0], content: "new" }] };
    expect(await diff("id", olds, edited)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    // What refresh saw live differs from the inputs: an update too.
    expect(await diff("id", { ...olds, filesSha256: "0".repeat(64) }, { ...olds })).toMatchObject({ changes: true, replaces: [] });
  });

  it("masks whole contents and their long lines in text that leaves the provider", () => {
    const text = `starting\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n${secret}done`;
    const masked = maskSecrets(text, { env: {}, secretEnv: [], files: [{ path: "/k", content: secret, mode: 0o600, uid: 0, gid: 0 }] });
    expect(masked).toBe("starting\n[secret]\n[secret]done");
  });
});
