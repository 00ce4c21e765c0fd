// The spec refuses bind mounts that are not in normal form or touch a system
// directory, naming the field, before anything is planned.
import { describe, expect, it } from "vitest";
import { parseSpec } from "./index.ts";

function hostPathErrors(hostPath: string): string[] {
  const r = parseSpec({
    version: 1,
    networks: { apps: { vlan: 30, subnet: "10.30.0.0/24" } },
    services: { web: { image: "nginx:1.27-alpine", network: "apps", volumes: [{ hostPath, target: "/data" }] } },
  });
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

describe("bind mounts in the spec", () => {
  it.each(["//etc", "/.", "//run/docker.sock", "/var/spool/cron", "/lib64", "/srv/../etc", "/var"])("refuses %s, naming the field", (path) => {
    const errors = hostPathErrors(path);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^services\.web\.volumes\[0\]\.hostPath: /);
  });

  it("accepts a data directory", () => {
    expect(hostPathErrors("/srv/bosun/web")).toEqual([]);
  });
});
