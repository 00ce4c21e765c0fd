// The network picture from a spec and what is deployed: boxes, flows,
// published ports, drift marks; names are escaped.
import { describe, expect, it } from "vitest";
import { parseSpec } from "../../../../stacks/model/index.ts";
import { networkPicture } from "./network-svg.ts";

function spec(raw: unknown) {
  const r = parseSpec(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
}

const demo = spec({
  version: 1,
  networks: {
    gaming: { vlan: 20, subnet: "10.20.0.0/24", description: "Game servers" },
    iot: { vlan: 30, subnet: "10.30.0.0/24", internet: false, allowFrom: [{ from: "gaming", ports: ["1883/tcp"] }] },
  },
  services: { minecraft: { template: "minecraft-java", network: "gaming", memoryMb: 4096 } },
});

describe("networkPicture", () => {
  it("draws segments with VLAN and subnet, services inside, flows and published ports as arrows", () => {
    const svg = networkPicture({
      stack: "demo",
      spec: demo,
      deployed: { networks: { gaming: { tag: 20 } }, services: { minecraft: { address: "10.20.0.10", published: "127.0.0.1" } } },
      drifted: new Set(),
    }).text;
    expect(svg).toMatch(/<g class="segment" data-network="gaming" data-vlan="20">/);
    expect(svg).toContain("gaming · VLAN 20");
    expect(svg).toContain("10.20.0.0/24 · gateway 10.20.0.1");
    expect(svg).toContain("iot · VLAN 30");
    expect(svg).toMatch(/<g class="service" data-service="minecraft">/);
    expect(svg).toMatch(/<g class="arrow flow" data-from="lan" data-to="minecraft" data-port="25565\/tcp">/);
    expect(svg).toMatch(/<g class="arrow flow" data-from="iot" data-to="minecraft" data-port="25565\/tcp">/);
    expect(svg).toMatch(/<g class="arrow flow" data-from="gaming" data-to="iot" data-port="1883\/tcp">/);
    expect(svg).toMatch(/<g class="arrow published" data-from="host" data-to="minecraft" data-port="25565\/tcp">/);
    expect(svg).toContain("127.0.0.1:25565 → 25565/tcp");
    // gaming reaches the internet, iot does not
    expect(svg).toMatch(/data-from="gaming" data-to="internet"/);
    expect(svg).not.toMatch(/data-from="iot" data-to="internet"/);
    expect(svg).not.toContain("drifted");
  });

  it("shows what is not deployed yet, and marks what drifted", () => {
    const svg = networkPicture({ stack: "demo", spec: demo, deployed: undefined, drifted: new Set(["service minecraft", "network iot"]) }).text;
    expect(svg).toMatch(/<g class="service pending drifted" data-service="minecraft">/);
    expect(svg).toMatch(/<g class="segment drifted" data-network="iot"/);
    expect(svg).toContain("not deployed");
    expect(svg).not.toContain("arrow published");
  });

  it("escapes what it prints", () => {
    const svg = networkPicture({ stack: `<script>"x"</script>`, spec: demo, deployed: undefined, drifted: new Set() }).text;
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;&quot;x&quot;&lt;/script&gt;");
  });
});
