// checkWith: failures name the field; defaults are the same whether or not the
// preview's unknowns stopped the parse (update plans compare checked inputs).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { UNKNOWN, checkWith } from "./check.ts";

const schema = z
  .object({
    iface: z.string().regex(/^[a-z]+\d*$/, "must be an interface key"),
    backend: z.enum(["dnsmasq", "kea"]).default("dnsmasq"),
    dns: z.array(z.string()).default([]),
  })
  .superRefine(() => {});

describe("checkWith", () => {
  it("reports each bad field with its rule", () => {
    const r = checkWith("range x", schema, { iface: "Bad Name", backend: "isc" });
    expect(r.failures.map((f) => f.property).sort()).toEqual(["backend", "iface"]);
    expect(r.failures.find((f) => f.property === "iface")?.reason).toBe("range x: iface: must be an interface key");
  });

  it("fills the same defaults in a preview (unknowns) as in the update", () => {
    const preview = checkWith("range x", schema, { iface: UNKNOWN, __provider: "…" });
    const update = checkWith("range x", schema, { iface: "opt3" });
    expect(preview.failures).toEqual([]);
    expect(preview.inputs).toEqual({ iface: UNKNOWN, backend: "dnsmasq", dns: [] });
    expect(update.inputs).toEqual({ iface: "opt3", backend: "dnsmasq", dns: [] });
  });

  it("applies per-field transforms of known fields too, so a preview and its update agree", () => {
    const withTransforms = z.object({
      iface: z.string().regex(/^opt\d+$/, "must be optN"),
      list: z.array(z.string()).transform((v) => [...v].sort()),
      mac: z.string().transform((m) => m.toLowerCase()),
    });
    const preview = checkWith("r", withTransforms, { iface: UNKNOWN, list: ["b", "a"], mac: "AA:BB" });
    const update = checkWith("r", withTransforms, { iface: "opt3", list: ["b", "a"], mac: "AA:BB" });
    expect(preview.inputs).toEqual({ ...update.inputs, iface: UNKNOWN });
    expect(update.inputs).toEqual({ iface: "opt3", list: ["a", "b"], mac: "aa:bb" });
  });
});
