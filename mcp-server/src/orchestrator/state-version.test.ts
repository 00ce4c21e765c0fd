// State tokens on a file backend: the version hashes the checkpoint's content
// (what an apply compares), the stamp moves with every rewrite of the file
// without reading it (what status and the terminal importer compare).
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkpointPaths, stateStamp, stateVersion } from "./state-version.ts";

const dir = mkdtempSync(join(tmpdir(), "bosun-state-version-"));
const backend = `file://${dir}`;
const [file] = checkpointPaths(backend, "bosun", "lab");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** As the engine writes a checkpoint: a new file renamed over the old one. */
function write(text: string): void {
  mkdirSync(join(dir, ".pulumi", "stacks", "bosun"), { recursive: true });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file ?? "");
}

const never = async (): Promise<string> => {
  throw new Error("a file backend needs no CLI");
};

describe("state version and stamp", () => {
  it("are none without a checkpoint", async () => {
    expect(await stateVersion(backend, "bosun", "lab", never)).toBe("none");
    expect(await stateStamp(backend, "bosun", "lab", never)).toBe("none");
  });

  it("both move when the checkpoint is rewritten, even with text of the same length", async () => {
    write('{"version":3,"n":1}');
    const [v1, s1] = [await stateVersion(backend, "bosun", "lab", never), await stateStamp(backend, "bosun", "lab", never)];
    expect(await stateStamp(backend, "bosun", "lab", never)).toBe(s1);
    write('{"version":3,"n":2}');
    expect(await stateVersion(backend, "bosun", "lab", never)).not.toBe(v1);
    expect(await stateStamp(backend, "bosun", "lab", never)).not.toBe(s1);
  });

  it("ask the engine on a backend they cannot read themselves", async () => {
    expect(await stateStamp("https://api.pulumi.com", "bosun", "lab", async () => "update-7")).toBe("update-7");
  });
});
