// The stored provider must stay tiny, carry no credentials or absolute paths,
// and work when loaded the way Pulumi's dynamic-provider process loads it, from
// wherever that process runs. vitest rewrites import(), so this runs
// test/provider-roundtrip.ts in a plain Node process.
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "../../kit/index.ts";
import { filterRuleProvider, vlanProvider } from "./index.ts";

/** A Node that strips types (>= 22.18 / 23.6): this one, BOSUN_TEST_NODE, or the project's .tools/node. */
function typeStrippingNode(): string | undefined {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major >= 24 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18)) return process.execPath;
  const candidates = [process.env.BOSUN_TEST_NODE, fileURLToPath(new URL("../../../.tools/node/bin/node", import.meta.url))];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

const node = typeStrippingNode();
const script = fileURLToPath(new URL("../test/provider-roundtrip.ts", import.meta.url));

interface Roundtrip {
  textBytes: number;
  leaksSecret: boolean;
  failures: unknown[];
  created: { device: string; tag: number };
  readDevice: string;
  remaining: number;
}

function roundtrip(cwd: string, env: Record<string, string> = {}): Roundtrip {
  const out = execFileSync(node as string, [script], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
    env: { ...process.env, OPNSENSE_API_SECRET: "", ...env },
  });
  return JSON.parse(out.trim().split("\n").pop() as string) as Roundtrip;
}

describe("stored provider", () => {
  test("is one short line naming the implementation relative to the checkout", () => {
    expect(vlanProvider.implPath).toBe("providers/opnsense-dynamic/resources/vlan-impl.ts");
    expect(filterRuleProvider.text).toContain('"providers/opnsense-dynamic/resources/filter-rule-impl.ts"');
    expect(filterRuleProvider.text).not.toContain(REPO_ROOT);
    expect(filterRuleProvider.text).not.toContain("\n");
    expect(filterRuleProvider.text.length).toBeLessThan(700);
  });

  // Needs a Node that strips TypeScript types (22.18+, 23.6+, 24): the dynamic-provider process loads the
  // .ts implementation. setup.sh installs Node 24, so npm test always runs it.
  test.skipIf(!node)("round-trips through require-from-string, configure() and the simulator, from the checkout's root", () => {
    const result = roundtrip(REPO_ROOT);
    expect(result.leaksSecret).toBe(false);
    expect(result.failures).toEqual([]);
    expect(result.created).toMatchObject({ device: "vlan01", tag: 20 });
    expect(result.readDevice).toBe("vlan01");
    expect(result.remaining).toBe(0);
  });

  test.skipIf(!node)("finds the checkout from a program folder inside it", () => {
    const result = roundtrip(fileURLToPath(new URL("../test/program", import.meta.url)));
    expect(result.created).toMatchObject({ device: "vlan01", tag: 20 });
    expect(result.remaining).toBe(0);
  });

  test.skipIf(!node)("falls back to $BOSUN_ROOT outside the checkout", () => {
    const outside = mkdtempSync(join(tmpdir(), "bosun-provider-"));
    try {
      expect(roundtrip(outside, { BOSUN_ROOT: REPO_ROOT }).created).toMatchObject({ device: "vlan01", tag: 20 });
      expect(() => roundtrip(outside, { BOSUN_ROOT: "" })).toThrow(/Cannot find module '.*providers\/opnsense-dynamic\/resources\/vlan-impl\.ts'/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
