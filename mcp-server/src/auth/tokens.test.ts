// The token store's verifier: tokens found by their hash, the store looked at
// once per turn of the event loop. A revoked token is refused by the next
// request whether this process removed it (at once, in the same turn) or
// another one did (`bosun token remove`: from the next turn on).
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { addToken, removeToken, tokenVerifier } from "./tokens.ts";

const scratch = mkdtempSync(join(tmpdir(), "bosun-tokens-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The store rewritten as another process would: a new file renamed over it, nothing through this module. */
function rewriteElsewhere(file: string, keep: (t: { name: string }) => boolean): void {
  const tokens = (JSON.parse(readFileSync(file, "utf8")) as { name: string }[]).filter(keep);
  writeFileSync(`${file}.other`, JSON.stringify(tokens), { mode: 0o600 });
  renameSync(`${file}.other`, file);
}

describe("tokenVerifier", () => {
  it("admits each stored token as its own principal and refuses a wrong one", async () => {
    const file = join(scratch, "many.json");
    const tokens = Array.from({ length: 20 }, (_, i) => addToken(`t${i}`, i % 2 ? ["read"] : ["read", "plan"], file));
    const v = tokenVerifier({ file });
    for (const [i, token] of tokens.entries()) {
      expect(await v.verify(token)).toMatchObject({ name: `t${i}`, scopes: i % 2 ? ["read"] : ["read", "plan"] });
    }
    expect(await v.verify(`${tokens[0]}x`)).toBeUndefined();
    expect(await v.verify("")).toBeUndefined();
  });

  it("refuses a token removed by this process in the same turn of the event loop", async () => {
    const file = join(scratch, "same-turn.json");
    const token = addToken("carol", ["read"], file);
    const v = tokenVerifier({ file });
    expect(await v.verify(token)).toMatchObject({ name: "carol" });
    expect(removeToken("carol", file)).toBe(true);
    expect(await v.verify(token)).toBeUndefined();
    const dave = addToken("dave", ["read"], file);
    expect(await v.verify(dave)).toMatchObject({ name: "dave" });
  });

  it("refuses a token another process removed from the next turn on, and admits one it added", async () => {
    const file = join(scratch, "other-process.json");
    const erin = addToken("erin", ["read"], file);
    const frank = addToken("frank", ["read"], file);
    const v = tokenVerifier({ file });
    expect(await v.verify(erin)).toMatchObject({ name: "erin" });
    await nextTurn();
    rewriteElsewhere(file, (t) => t.name !== "erin");
    await nextTurn();
    expect(await v.verify(erin)).toBeUndefined();
    expect(await v.verify(frank)).toMatchObject({ name: "frank" });
  });

  it("admits nobody from a broken store, and a fixed token still", async () => {
    const file = join(scratch, "broken.json");
    const token = addToken("gina", ["read"], file);
    const v = tokenVerifier({ file, token: "fixed-token-for-the-test" });
    expect(await v.verify(token)).toMatchObject({ name: "gina" });
    await nextTurn();
    writeFileSync(file, "[{ half written");
    await nextTurn();
    expect(await v.verify(token)).toBeUndefined();
    expect(await v.verify("fixed-token-for-the-test")).toMatchObject({ name: "default" });
  });

  it("refuses an expired token", async () => {
    const file = join(scratch, "expiry.json");
    const token = addToken("hal", ["read"], file, { expiresAt: new Date(2_000_000_000_000) });
    let now = 1_999_999_999;
    const v = tokenVerifier({ file, now: () => now });
    expect(await v.verify(token)).toMatchObject({ name: "hal" });
    now = 2_000_000_000;
    expect(await v.verify(token)).toBeUndefined();
  });
});
