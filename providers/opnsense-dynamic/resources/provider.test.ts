// The serialized provider must stay tiny, carry no credentials, and work when
// loaded the way Pulumi's dynamic-provider process loads it. vitest rewrites
// import(), so this runs test/provider-roundtrip.ts in a plain Node process.
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** A Node that strips types (>= 22.18 / 23.6): this one, BOSUN_TEST_NODE, or the project's .tools/node. */
function typeStrippingNode(): string | undefined {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major >= 24 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18)) return process.execPath;
  const candidates = [process.env.BOSUN_TEST_NODE, fileURLToPath(new URL("../../../.tools/node/bin/node", import.meta.url))];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

const node = typeStrippingNode();
const script = fileURLToPath(new URL("../test/provider-roundtrip.ts", import.meta.url));

describe("serialized provider", () => {
  // Needs a Node that strips TypeScript types (22.18+, 23.6+, 24): the dynamic-provider process loads the
  // .ts implementation. setup.sh installs Node 24, so npm test always runs it.
  test.skipIf(!node)("round-trips through require-from-string, configure() and the simulator", () => {
    const out = execFileSync(node as string, [script], { encoding: "utf8", timeout: 60_000, env: { ...process.env, OPNSENSE_API_SECRET: "" } });
    const result = JSON.parse(out.trim().split("\n").pop() as string) as {
      textBytes: number;
      leaksSecret: boolean;
      failures: unknown[];
      created: { device: string; tag: number };
      readDevice: string;
      remaining: number;
    };
    expect(result.leaksSecret).toBe(false);
    expect(result.textBytes).toBeLessThan(6000);
    expect(result.failures).toEqual([]);
    expect(result.created).toMatchObject({ device: "vlan01", tag: 20 });
    expect(result.readDevice).toBe("vlan01");
    expect(result.remaining).toBe(0);
  });
});
