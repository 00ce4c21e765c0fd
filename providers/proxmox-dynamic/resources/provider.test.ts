// The serialized provider must stay tiny, carry no credentials, and work when
// loaded the way Pulumi's dynamic-provider process loads it (against the
// Proxmox simulator: Proxmox cannot run here). vitest rewrites import(), so
// this runs test/provider-roundtrip.ts in a plain Node process.
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../test/provider-roundtrip.ts", import.meta.url));

describe("serialized Proxmox provider", () => {
  test("round-trips through require-from-string, configure() and the simulator", () => {
    // setup.sh installs Node 24, which strips types, so the .ts implementation loads as in the provider process.
    const out = execFileSync(process.execPath, [script], { encoding: "utf8", timeout: 60_000, env: { ...process.env, PROXMOX_TOKEN_SECRET: "" } });
    const result = JSON.parse(out.trim().split("\n").pop() as string) as {
      textBytes: number;
      leaksSecret: boolean;
      failures: unknown[];
      id: string;
      readName: string;
      remaining: number;
    };
    expect(result.leaksSecret).toBe(false);
    expect(result.textBytes).toBeLessThan(700);
    expect(result.failures).toEqual([]);
    expect(result.id).toBe("pve/100");
    expect(result.readName).toBe("rt");
    expect(result.remaining).toBe(0);
  });
});
