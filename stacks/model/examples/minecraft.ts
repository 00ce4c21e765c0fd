// The demo spec: "Deploy a Minecraft server for 10 players on VLAN 20".
import { memoryForPlayers, templateCatalog } from "../../templates/catalog.ts";
import type { SpecInput } from "../schema.ts";

const players = 10;
const template = templateCatalog["minecraft-java"];
if (template === undefined) throw new Error("catalog lacks minecraft-java");

/** The spec as a person (or the translator) writes it; parseSpec fills the rest. */
export const minecraftDemo: SpecInput = {
  version: 1,
  networks: {
    gaming: {
      vlan: 20,
      subnet: "10.20.0.0/24",
      gateway: "10.20.0.1",
      dhcp: { enabled: true, start: "10.20.0.100", end: "10.20.0.199" },
      description: "Game servers",
    },
  },
  services: {
    minecraft: {
      template: "minecraft-java",
      network: "gaming",
      // 1 GiB + 300 MiB × 10 players = 4024 MiB → 4096 in 512 MiB steps.
      memoryMb: memoryForPlayers(template, players),
      env: { MAX_PLAYERS: String(players) },
      ports: [{ container: 25565, protocol: "tcp", expose: "lan" }],
      address: "10.20.0.10",
      dns: "minecraft",
    },
  },
  dns: { domain: "home.arpa" },
};
