// The approval text shows every bind mount, published port and firewall
// source/destination, however many other fields a step has.
import { describe, expect, it } from "vitest";
import { countChanges, planText } from "./changes.ts";
import type { ResourceChange } from "./types.ts";

const urn = (type: string, name: string) => `urn:pulumi:demo::bosun::bosun:index:WebApp$${type}::${name}`;

describe("plan text", () => {
  it("lists mounts, published ports and rule endpoints on each step", () => {
    const changes: ResourceChange[] = [
      {
        urn: urn("pulumi-nodejs:dynamic/docker:Container", "web-container"),
        type: "pulumi-nodejs:dynamic/docker:Container",
        name: "web-container",
        op: "create",
        diff: [],
        group: "service web",
        fields: {
          name: "demo-web",
          image: "nginx:1.27-alpine",
          memoryMb: 256,
          hostname: "web",
          address: "10.30.0.10",
          volumes: [
            { hostPath: "/srv/bosun/web", containerPath: "/usr/share/nginx/html", readOnly: true },
            { volumeName: "demo-cache", containerPath: "/cache", readOnly: false },
          ],
          ports: [{ internal: 80, external: 8080, protocol: "tcp", ip: "127.0.0.1" }],
        },
      },
      {
        urn: urn("pulumi-nodejs:dynamic/opnsense:FilterRule", "web-rule"),
        type: "pulumi-nodejs:dynamic/opnsense:FilterRule",
        name: "web-rule",
        op: "create",
        diff: [],
        group: "service web",
        fields: { action: "pass", interface: "opt1", protocol: "tcp", destinationPort: "80", description: "web", source: "any", destination: "10.30.0.10" },
      },
    ];
    const text = planText(changes, countChanges(changes));
    expect(text).toContain("mounts=[host:/srv/bosun/web->/usr/share/nginx/html:ro, volume:demo-cache->/cache]");
    expect(text).toContain("publishes=[127.0.0.1:8080->80/tcp]");
    expect(text).toContain('from="any" to="10.30.0.10"');
  });
});
