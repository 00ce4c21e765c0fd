import { describe, expect, it } from "vitest";
import { closest, didYouMean, editDistance, isDnsLabel } from "./names.ts";

describe("names", () => {
  it("accepts RFC 1123 labels only", () => {
    for (const ok of ["gaming", "vlan20", "a", "home-assistant", "a".repeat(63)]) expect(isDnsLabel(ok)).toBe(true);
    for (const bad of ["Gaming", "-x", "x-", "a_b", "", "a".repeat(64), "a.b"]) expect(isDnsLabel(bad)).toBe(false);
  });

  it("counts edits, transpositions as one", () => {
    expect(editDistance("gamng", "gaming")).toBe(1);
    expect(editDistance("minecarft", "minecraft")).toBe(1);
    expect(editDistance("abc", "xyz")).toBe(3);
    expect(editDistance("short", "muchlongerword", 2)).toBe(3);
  });

  it("suggests close names", () => {
    expect(didYouMean("gamng", ["gaming", "iot"])).toBe('; did you mean "gaming"?');
    expect(didYouMean("zzz", ["gaming", "iot"])).toBe("");
    expect(closest("jellyfn", ["jellyfin", "gitea"])).toBe("jellyfin");
  });
});
