import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { CATALOG_FILES, heapMbFor, loadCatalog, memoryForPlayers, templateCatalog } from "./catalog.ts";
import { templateSchema } from "./schema.ts";

const texts = CATALOG_FILES.map((f) => readFileSync(new URL(`./${f}`, import.meta.url), "utf8"));
const entries = texts.flatMap((t) => parseYaml(t) as unknown[]);

describe("template catalog", () => {
  it.each(entries.map((e) => [(e as { name: string }).name, e]))("%s is a valid template", (_name, entry) => {
    const result = templateSchema.safeParse(entry);
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it("covers the games and apps bosun promises", () => {
    const names = Object.keys(templateCatalog).sort();
    for (const name of [
      "minecraft-java",
      "minecraft-bedrock",
      "valheim",
      "factorio",
      "terraria",
      "nginx",
      "wordpress",
      "mariadb",
      "ghost",
      "postgresql",
      "redis",
      "jellyfin",
      "home-assistant",
      "pihole",
      "nextcloud",
      "gitea",
      "grafana",
      "uptime-kuma",
      "vaultwarden",
    ]) {
      expect(names).toContain(name);
    }
    expect(templateCatalog["minecraft-java"]?.env.EULA).toBe("TRUE");
    expect(templateCatalog.valheim?.ports.map((p) => `${p.container}/${p.protocol}`)).toEqual(["2456/udp", "2457/udp", "2458/udp"]);
  });

  it("sizes Minecraft by players: 1 GiB + 300 MiB each, 512 MiB steps, capped", () => {
    const mc = templateCatalog["minecraft-java"]!;
    expect(memoryForPlayers(mc, 10)).toBe(4096);
    expect(memoryForPlayers(mc, 1)).toBe(2048);
    expect(memoryForPlayers(mc, 20)).toBe(7168);
    expect(memoryForPlayers(mc, 100)).toBe(16384);
    expect(memoryForPlayers(templateCatalog.nginx!, 10)).toBe(128);
    expect(heapMbFor(4096)).toBe(3072);
    expect(heapMbFor(300)).toBe(256);
  });

  it("rejects bad entries with their names", () => {
    expect(() => loadCatalog(["- { name: Bad, title: x }"])).toThrow(/template Bad: name/);
    const dup = "- { name: a, title: A, category: web, description: d, image: 'x:1', memory: { defaultMb: 64, minMb: 64, maxMb: 64 } }";
    expect(() => loadCatalog([dup, dup])).toThrow("template a: duplicate name");
    expect(() =>
      loadCatalog([
        "- { name: a, title: A, category: web, description: d, image: 'x:1', memory: { defaultMb: 64, minMb: 64, maxMb: 64 }, companions: [{ template: zz, suffix: db }] }",
      ]),
    ).toThrow('companion "zz"');
  });
});
