// Provider API calls travel from the provider's process (providers/kit/calls.ts)
// over this process's unix socket into the metrics, attributed to the engine
// operation running on their stack. The reporting side runs in a child process
// here, as it does under the engine.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { endpointOf } from "../../../providers/kit/calls.ts";
import { registry } from "./metrics.ts";
import { observedEnv } from "./provider-calls.ts";

const run = promisify(execFile);

describe("provider API calls", () => {
  it("templates what identifies one object in an endpoint", () => {
    expect(endpointOf("/api/interfaces/vlan_settings/getItem/6f1c2e8a-1b2c-4d5e-8f90-123456789abc")).toBe("/api/interfaces/vlan_settings/getItem/{uuid}");
    expect(endpointOf("/api/firewall/filter/apply/1795975238.3730")).toBe("/api/firewall/filter/apply/{n}");
    expect(endpointOf("/containers/test-x-minecraft/json?all=1", ["containers"])).toBe("/containers/{name}/json");
    expect(endpointOf("/containers/create?name=x", ["containers"])).toBe("/containers/create");
    expect(endpointOf("/zones/023e105f4ecef8ad9ca31a8372d0c353/dns_records")).toBe("/zones/{id}/dns_records");
  });

  it("are counted when a provider process reports them", async () => {
    const env = observedEnv("calls-test");
    expect(env["BOSUN_PROVIDER_CALLS"]).toMatch(/\.sock$/);
    const script = `
      import { apiCallReporter } from "./providers/kit/calls.ts";
      const report = apiCallReporter("docker", { named: ["containers"] });
      report({ method: "GET", path: "/containers/abc/json", status: 200, ms: 3 });
      report({ method: "GET", path: "/containers/abc/json", status: 404, ms: 2 });
      report({ method: "POST", path: "/containers/create", status: null, ms: 5, error: "ECONNREFUSED" });
      await new Promise((r) => setTimeout(r, 200));`;
    await run(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, ...env } });
    await expect
      .poll(async () => (await registry.getSingleMetricAsString("bosun_provider_api_calls_total")).split("\n").filter((l) => l.includes('provider="docker"')))
      .toEqual(
        expect.arrayContaining([
          'bosun_provider_api_calls_total{provider="docker",method="GET",endpoint="/containers/{name}/json"} 2',
          'bosun_provider_api_calls_total{provider="docker",method="POST",endpoint="/containers/create"} 1',
        ]),
      );
    const errors = await registry.getSingleMetricAsString("bosun_provider_api_errors_total");
    expect(errors).toContain('bosun_provider_api_errors_total{provider="docker",method="GET",endpoint="/containers/{name}/json"} 1');
    expect(errors).toContain('bosun_provider_api_errors_total{provider="docker",method="POST",endpoint="/containers/create"} 1');
  });

  it("do nothing in a process nobody listens to", async () => {
    const script = `
      import { apiCallReporter } from "./providers/kit/calls.ts";
      apiCallReporter("opnsense")({ method: "GET", path: "/api/x", status: 200, ms: 1 });
      console.log("done");`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, BOSUN_PROVIDER_CALLS: "/nonexistent/bosun.sock" },
    });
    expect(stdout.trim()).toBe("done");
  });
});
