// The stack file's stamp (what status compares instead of reading and hashing
// the file on every call): it moves with bosun's own rewrite (a rename) and with
// an edit in place of the same length, as a person's editor or `pulumi config
// set` makes, and is empty when there is no file.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stackFilePath, stackFileStamp, writeStackFile } from "./stack-file.ts";

const dir = mkdtempSync(join(tmpdir(), "bosun-stack-file-"));
mkdirSync(join(dir, "stacks"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("stack file stamp", () => {
  it("is empty without a file, and stays put while nothing writes", () => {
    expect(stackFileStamp(dir, "lab")).toBe("");
    writeStackFile(dir, "lab", "config:\n  bosun:spec:\n    version: 1\n");
    const s = stackFileStamp(dir, "lab");
    expect(s).not.toBe("");
    expect(stackFileStamp(dir, "lab")).toBe(s);
  });

  it("moves when bosun replaces the file, even with the same text", () => {
    const s = stackFileStamp(dir, "lab");
    writeStackFile(dir, "lab", "config:\n  bosun:spec:\n    version: 1\n");
    expect(stackFileStamp(dir, "lab")).not.toBe(s);
  });

  it("moves when the file is edited in place to text of the same length", () => {
    const file = stackFilePath(dir, "lab");
    const s = stackFileStamp(dir, "lab");
    writeFileSync(file, "config:\n  bosun:spec:\n    version: 2\n");
    // Even a clock that shows the old time (a restored mtime) leaves ctime moved.
    const before = new Date(Date.now() - 60_000);
    utimesSync(file, before, before);
    expect(stackFileStamp(dir, "lab")).not.toBe(s);
  });
});
