// Intent evaluation cases: phrasings, the spec fields each must produce, and
// the cases where the translator must ask instead. `expect` paths are dotted
// ("services.minecraft.memoryMb"); ABSENT means the path must not exist.
// Long by nature: a table with one entry per phrasing.
import type { BuildKind } from "../../mcp-server/src/translator/unsupported.ts";
import type { CurrentSpecName } from "./fixtures.ts";

export const ABSENT = "<absent>";

export type Category = "game" | "app" | "infra" | "modify" | "remove" | "question" | "refusal";

export interface IntentCase {
  text: string;
  category: Category;
  /** Starting spec. @default "empty" */
  current?: CurrentSpecName;
  expect?: Record<string, unknown>;
  /** The translator must ask (spec unchanged). */
  expectQuestions?: boolean;
  /** The translator must ask, and one question must contain this (what it names as missing or not understood). */
  expectQuestion?: string;
  /** A substring one of the changes must contain. */
  expectChange?: string;
  /** A substring one of the assumptions must contain (for requests that hold already: no changes, but said why). */
  expectAssumption?: string;
  /**
   * A kind bosun cannot build yet (unsupported.ts NOT_YET): while it is
   * refused, the case expects that refusal and an unchanged spec; once the kind
   * is supported again, `expect` is checked instead.
   */
  kind?: BuildKind;
}

const mc10 = { "services.minecraft.memoryMb": 4096, "services.minecraft.template": "minecraft-java", "networks.gaming.vlan": 20 };

export const CASES: IntentCase[] = [
  // ---- games ----------------------------------------------------------------------------
  {
    text: "Deploy a Minecraft server for 10 players on VLAN 20",
    category: "game",
    expect: {
      ...mc10,
      "networks.gaming.subnet": "10.20.0.0/24",
      "networks.gaming.gateway": "10.20.0.1",
      "networks.gaming.dhcp.start": "10.20.0.100",
      "networks.gaming.dhcp.end": "10.20.0.199",
      "services.minecraft.ports.0.host": 25565,
      "services.minecraft.ports.0.protocol": "tcp",
      "services.minecraft.ports.0.expose": "lan",
      "services.minecraft.dns": "minecraft",
      "services.minecraft.address": "10.20.0.10",
      "services.minecraft.env.MAX_PLAYERS": "10",
      "dns.domain": "home.arpa",
    },
  },
  {
    text: "spin up a minecraft server for 20 players on vlan 20",
    category: "game",
    expect: { "services.minecraft.memoryMb": 7168, "services.minecraft.env.MAX_PLAYERS": "20" },
  },
  { text: "I want a mincraft server for ten friends on vlan 20", category: "game", expect: mc10 },
  { text: "minecarft server for 4 players, vlan 25", category: "game", expect: { "services.minecraft.memoryMb": 2560, "networks.gaming.vlan": 25 } },
  { text: "Deploy minecraft with 6GB of RAM on VLAN 20", category: "game", expect: { "services.minecraft.memoryMb": 6144 } },
  { text: "give me a Minecraft server with 4 gigs on vlan 20", category: "game", expect: { "services.minecraft.memoryMb": 4096 } },
  { text: "deploy minecraft on vlan 20 with 3 cpus", category: "game", expect: { "services.minecraft.cpus": 3, "services.minecraft.memoryMb": 2560 } },
  {
    text: "deploy a minecraft server for 10 players on vlan 20 called survival",
    category: "game",
    expect: { "services.survival.memoryMb": 4096, "services.survival.dns": "survival", "services.minecraft": ABSENT },
  },
  {
    text: "host a minecraft bedrock server on vlan 20",
    category: "game",
    expect: { "services.bedrock.template": "minecraft-bedrock", "services.bedrock.ports.0.host": 19132, "services.bedrock.ports.0.protocol": "udp" },
  },
  { text: "bedrock edition server for 8 players on vlan 21", category: "game", expect: { "services.bedrock.memoryMb": 2048, "networks.gaming.vlan": 21 } },
  {
    text: "set up a valheim server on vlan 20",
    category: "game",
    expect: {
      "services.valheim.template": "valheim",
      "services.valheim.ports.0.container": 2456,
      "services.valheim.ports.2.container": 2458,
      "services.valheim.ports.0.protocol": "udp",
    },
  },
  { text: "valheim for 6 players on vlan 20", category: "game", expect: { "services.valheim.memoryMb": 4608 } },
  {
    text: "factorio server on vlan 22 with 2 cores",
    category: "game",
    expect: { "services.factorio.cpus": 2, "services.factorio.ports.0.host": 34197, "services.factorio.ports.0.protocol": "udp" },
  },
  {
    text: "Terraria server please, VLAN 23",
    category: "game",
    expect: { "services.terraria.ports.0.host": 7777, "services.terraria.ports.0.protocol": "tcp", "networks.gaming.vlan": 23 },
  },
  {
    text: "add another minecraft server for 5 players",
    category: "game",
    current: "minecraft-demo",
    expect: {
      "services.minecraft-2.network": "gaming",
      "services.minecraft-2.ports.0.host": 25566,
      "services.minecraft-2.memoryMb": 2560,
      "services.minecraft.memoryMb": 4096,
    },
  },
  {
    text: "deploy valheim",
    category: "game",
    current: "minecraft-demo",
    expect: { "services.valheim.network": "gaming", "services.valheim.address": "10.20.0.11" },
  },
  { text: "a factorio server on the gaming vlan", category: "game", current: "minecraft-demo", expect: { "services.factorio.network": "gaming" } },
  {
    text: "Could you set up a Minecraft Java server for 12 people on VLAN 20?",
    category: "game",
    expect: { "services.minecraft.memoryMb": 5120, "services.minecraft.env.MAX_PLAYERS": "12" },
  },
  { text: "deploy minecraft for 10 players on vlan 20; rm -rf /", category: "game", expect: mc10 },

  // ---- apps -------------------------------------------------------------------------------
  {
    text: "put wordpress on vlan 10",
    category: "app",
    expect: {
      "services.wordpress.template": "wordpress",
      "services.wordpress-db.template": "mariadb",
      "services.wordpress-db.network": "servers",
      "networks.servers.vlan": 10,
      "services.wordpress.env.WORDPRESS_DB_HOST": ABSENT,
    },
  },
  {
    text: "deploy jellyfin on vlan 60",
    category: "app",
    expect: { "networks.media.vlan": 60, "services.jellyfin.ports.0.host": 8096, "services.jellyfin.memoryMb": 2048 },
  },
  { text: "install pi-hole on VLAN 10", category: "app", expect: { "services.pihole.template": "pihole", "services.pihole.ports.0.host": 53 } },
  { text: "I need a pihole ad blocker on vlan 10", category: "app", expect: { "services.pihole.template": "pihole" } },
  {
    text: "run home assistant on vlan 30",
    category: "app",
    expect: { "services.home-assistant.template": "home-assistant", "networks.iot.vlan": 30, "services.home-assistant.ports.0.host": 8123 },
  },
  { text: "deploy nextcloud with 2GB on vlan 10", category: "app", expect: { "services.nextcloud.memoryMb": 2048 } },
  {
    text: "set up gitea on vlan 10",
    category: "app",
    expect: { "services.gitea.ports.0.host": 3000, "services.gitea.ports.1.host": 2222, "services.gitea.ports.1.container": 22 },
  },
  { text: "add grafana", category: "app", current: "minecraft-demo", expect: { "services.grafana.network": "gaming", "services.grafana.ports.0.host": 3000 } },
  {
    text: "deploy uptime kuma on vlan 10",
    category: "app",
    expect: { "services.uptime-kuma.template": "uptime-kuma", "services.uptime-kuma.ports.0.host": 3001 },
  },
  { text: "vaultwarden password manager on vlan 10", category: "app", expect: { "services.vaultwarden.template": "vaultwarden" } },
  {
    text: "I'd like a postgres database on vlan 10",
    category: "app",
    expect: { "services.postgresql.template": "postgresql", "services.postgresql.ports.0.expose": "network" },
  },
  { text: "add redis on vlan 10 with 1gb", category: "app", expect: { "services.redis.memoryMb": 1024 } },
  { text: "deploy ghost on vlan 10", category: "app", expect: { "services.ghost.ports.0.host": 2368 } },
  { text: "nginx web server on vlan 10", category: "app", expect: { "services.nginx.image": ABSENT, "services.nginx.template": "nginx" } },
  { text: "jellyfn media server on vlan 60", category: "app", expect: { "services.jellyfin.template": "jellyfin" } },
  { text: "graphana on vlan 10", category: "app", expect: { "services.grafana.template": "grafana" } },
  { text: "deploy gitea and grafana on vlan 10", category: "app", expect: { "services.gitea.ports.0.host": 3000, "services.grafana.ports.0.host": 3001 } },
  {
    text: "add grafana on the servers network",
    category: "app",
    current: "homelab",
    expect: { "services.grafana.network": "servers", "services.grafana.address": "10.10.0.13" },
  },
  {
    text: "run image traefik/whoami:v1.10 called whoami on vlan 10 port 80",
    category: "app",
    expect: { "services.whoami.image": "traefik/whoami:v1.10", "services.whoami.ports.0.container": 80 },
  },
  {
    text: "run jellyfin on kubernetes",
    category: "app",
    kind: "k8s",
    expect: {
      "kubernetes.apps.jellyfin.image": "jellyfin/jellyfin:10",
      "kubernetes.apps.jellyfin.namespace": "default",
      "kubernetes.apps.jellyfin.ports.0.container": 8096,
      "services.jellyfin": ABSENT,
    },
  },
  {
    text: "run grafana on kubernetes",
    category: "app",
    kind: "k8s",
    expect: {
      "kubernetes.apps.grafana.image": "grafana/grafana:11.3.0",
      "kubernetes.apps.grafana.ports.0.container": 3000,
      "kubernetes.apps.grafana.memoryMb": 512,
      "kubernetes.apps.grafana.replicas": 1,
    },
    expectAssumption: "GF_SECURITY_ADMIN_PASSWORD is not set",
  },
  {
    text: "run image traefik/whoami:v1.10 on k8s in namespace web port 80",
    category: "app",
    kind: "k8s",
    expect: {
      "kubernetes.apps.whoami.image": "traefik/whoami:v1.10",
      "kubernetes.apps.whoami.namespace": "web",
      "kubernetes.apps.whoami.ports.0.container": 80,
    },
  },
  { text: "install grafana on kubernetes with helm", category: "question", kind: "k8s", expectQuestion: "not Helm charts" },
  { text: "home assistant on the iot vlan", category: "app", current: "homelab", expect: { "services.home-assistant.network": "iot" } },
  {
    text: "deploy an internal-only postgres on vlan 10 with 4 GB",
    category: "app",
    expect: { "services.postgresql.memoryMb": 4096, "services.postgresql.ports.0.expose": "network" },
  },

  // ---- infrastructure --------------------------------------------------------------------
  {
    text: "create a VLAN for IoT devices",
    category: "infra",
    expect: { "networks.iot.vlan": 30, "networks.iot.subnet": "10.30.0.0/24", "networks.iot.dhcp.enabled": true },
  },
  { text: "add a guest network on vlan 40", category: "infra", expect: { "networks.guests.vlan": 40, "networks.guests.internet": true } },
  { text: "make a cameras vlan with no internet", category: "infra", expect: { "networks.cameras.vlan": 50, "networks.cameras.internet": false } },
  {
    text: "new vlan 70 called lab with 10.70.0.0/24 and no dhcp",
    category: "infra",
    expect: { "networks.lab.vlan": 70, "networks.lab.subnet": "10.70.0.0/24", "networks.lab.dhcp.enabled": false },
  },
  {
    text: "create vlan 15 named office with subnet 192.168.15.0/24",
    category: "infra",
    expect: { "networks.office.subnet": "192.168.15.0/24", "networks.office.gateway": "192.168.15.1" },
  },
  { text: "set up a network for security cameras on VLAN 55", category: "infra", expect: { "networks.cameras.vlan": 55 } },
  { text: "add an iot vlan", category: "infra", current: "minecraft-demo", expect: { "networks.iot.vlan": 30, "networks.gaming.vlan": 20 } },
  {
    text: "allow iot to reach jellyfin",
    category: "infra",
    current: "homelab",
    expect: { "networks.media.allowFrom.0.from": "iot", "networks.media.allowFrom.0.service": "jellyfin", "networks.media.allowFrom.0.ports.0": "8096/tcp" },
  },
  {
    text: "let the iot vlan talk to the servers vlan on port 1883",
    category: "infra",
    current: "homelab",
    expect: { "networks.servers.allowFrom.0.from": "iot", "networks.servers.allowFrom.0.ports.0": "1883/tcp" },
  },
  {
    text: "allow access from media to pihole on port 53/udp",
    category: "infra",
    current: "homelab",
    expect: {
      "networks.servers.allowFrom.0.from": "media",
      "networks.servers.allowFrom.0.service": "pihole",
      "networks.servers.allowFrom.0.ports.0": "53/udp",
    },
  },
  {
    text: "allow the lan to reach the iot vlan",
    category: "infra",
    current: "homelab",
    expect: { "networks.iot.allowFrom.0.from": "lan", "networks.iot.allowFrom.0.ports.length": 0 },
  },
  { text: "block guests from reaching the gaming vlan", category: "infra", current: "homelab", expect: { "networks.gaming.allowFrom.length": 0 } },
  { text: "cut the iot vlan off from the internet", category: "infra", current: "homelab", expect: { "networks.iot.internet": false } },
  {
    text: "open port 25575/tcp on minecraft",
    category: "infra",
    current: "minecraft-demo",
    expect: { "services.minecraft.ports.1.container": 25575, "services.minecraft.ports.1.expose": "lan" },
  },
  { text: "expose jellyfin to the guests vlan", category: "infra", current: "homelab", expect: { "services.jellyfin.ports.0.expose": ["guests"] } },
  {
    text: "add a dns record nas2.home.arpa pointing to 10.10.0.6",
    category: "infra",
    current: "homelab",
    expect: { "dns.records.1.name": "nas2", "dns.records.1.type": "A", "dns.records.1.value": "10.10.0.6" },
  },
  {
    text: "point printer to 10.30.0.20",
    category: "infra",
    current: "homelab",
    expect: { "dns.records.1.name": "printer", "dns.records.1.value": "10.30.0.20" },
  },
  {
    text: "add a certificate for minecraft",
    category: "refusal",
    kind: "certificate",
    current: "minecraft-demo",
    expect: { "certificates.minecraft.dnsNames.0": "minecraft.home.arpa", "certificates.minecraft.issuer": "self-signed" },
  },
  {
    text: "get a let's encrypt certificate for cloud.example.com",
    category: "refusal",
    kind: "certificate",
    expect: {
      "certificates.cloud.issuer": "acme",
      "certificates.cloud.outsideDomain": true,
      "certificates.cloud.dnsNames.0": "cloud.example.com",
      // Proven by DNS-01: the zone's public DNS is bosun's (Cloudflare).
      "dns.publicZones": ["example.com"],
    },
  },

  // ---- the edge: certificates, publishing by name, VPN, segment limits and IDS ------------------------------
  {
    // "give grafana a certificate", on the homelab's media server.
    text: "give jellyfin a certificate",
    category: "infra",
    kind: "certificate",
    current: "homelab",
    expect: {
      "certificates.jellyfin.dnsNames.0": "jellyfin.home.arpa",
      "certificates.jellyfin.issuer": "self-signed",
      "services.jellyfin.publish": { host: "jellyfin.home.arpa", certificate: "jellyfin", public: false },
    },
  },
  {
    // A database serves TLS itself: the certificate goes into its container.
    text: "give wordpress-db a certificate",
    category: "infra",
    kind: "certificate",
    current: "homelab",
    expect: {
      "certificates.wordpress-db.dnsNames.0": "wordpress-db.home.arpa",
      "services.wordpress-db.tls": { certificate: "wordpress-db", path: "/run/bosun/tls", reload: "restart", owner: "0:0" },
    },
    expectAssumption: "/run/bosun/tls",
  },
  {
    text: "add a certificate for opnsense.home.arpa for the firewall's web gui",
    category: "infra",
    kind: "certificate",
    current: "homelab",
    expect: { "certificates.opnsense.dnsNames": ["opnsense.home.arpa"], "certificates.opnsense.webGui": true, "certificates.opnsense.issuer": "self-signed" },
    expectAssumption: "System > Settings > Administration",
  },
  {
    text: "publish Nextcloud at cloud.example.com with a certificate",
    category: "infra",
    current: "homelab",
    expect: {
      "services.nextcloud.template": "nextcloud",
      "services.nextcloud.network": "servers",
      "services.nextcloud.publish": { host: "cloud.example.com", certificate: "cloud", public: true },
      "certificates.cloud": { dnsNames: ["cloud.example.com"], issuer: "acme", outsideDomain: true, webGui: false },
      "dns.publicZones": ["example.com"],
    },
  },
  {
    text: "publish the blog on example.com",
    category: "infra",
    current: "homelab",
    expect: {
      "services.wordpress.publish": { host: "blog.example.com", certificate: "blog", public: true },
      "certificates.blog.issuer": "acme",
      "dns.publicZones": ["example.com"],
    },
  },
  {
    text: "publish wordpress at wp.example.org using the letsencrypt staging ca",
    category: "infra",
    current: "homelab",
    expect: { "services.wordpress.publish.host": "wp.example.org", "certificates.wp.issuer": "acme-staging", "dns.publicZones": ["example.org"] },
  },
  { text: "publish it at cloud.example.com", category: "question", current: "homelab", expectQuestion: "Which service should be published" },
  {
    text: "add a VPN peer for my phone",
    category: "infra",
    current: "homelab",
    expect: { "vpn.subnet": "10.99.0.0/24", "vpn.port": 51820, "vpn.allow": ["lan"], "vpn.peers.phone": { description: "" } },
    expectAssumption: "vpnPeers.phone.config",
  },
  { text: "give anna's laptop vpn access", category: "infra", current: "homelab", expect: { "vpn.peers.anna-laptop": { description: "" } } },
  { text: "add a wireguard peer", category: "question", current: "homelab", expectQuestion: "Which device is the VPN peer for?" },
  { text: "limit guests to 50 Mbit", category: "modify", current: "homelab", expect: { "networks.guests.limitMbit": 50 } },
  { text: "cap the iot vlan at 1 gbit", category: "modify", current: "homelab", expect: { "networks.iot.limitMbit": 1000 } },
  { text: "limit guests to 0 mbit", category: "refusal", current: "homelab", expectQuestion: "not a usable limit" },
  { text: "turn on intrusion detection for the guests", category: "modify", current: "homelab", expect: { "networks.guests.ids": "detect" } },
  { text: "block attacks on the iot vlan with the ips", category: "modify", current: "homelab", expect: { "networks.iot.ids": "prevent" } },
  {
    text: "create a vm called docker with 4 cores, 8GB ram and 100GB disk on vlan 10",
    category: "infra",
    kind: "vm",
    expect: { "vms.docker.cores": 4, "vms.docker.memoryMb": 8192, "vms.docker.diskGb": 100, "vms.docker.network": "servers" },
  },
  {
    text: "spin up an lxc container with 2 cores and 1 GB of memory on vlan 10 called dns",
    category: "infra",
    kind: "lxc",
    expect: { "lxc.dns.cores": 2, "lxc.dns.memoryMb": 1024, "lxc.dns.diskGb": 8 },
  },
  {
    text: "new ubuntu vm named k3s with 4 cores on the servers network",
    category: "infra",
    kind: "vm",
    current: "homelab",
    expect: { "vms.k3s.image": "ubuntu-24.04", "vms.k3s.network": "servers", "vms.k3s.cores": 4 },
  },
  { text: "disable dhcp on the iot vlan", category: "infra", current: "homelab", expect: { "networks.iot.dhcp.enabled": false } },
  { text: "change the local domain to lab.example.com", category: "infra", current: "homelab", expect: { "dns.domain": "lab.example.com" } },
  {
    text: "isolate the guests vlan",
    category: "infra",
    current: "homelab",
    expect: { "networks.guests.internet": false, "networks.gaming.allowFrom.length": 0 },
  },
  {
    text: "I need a VM with 50 GB disk and 2 GB RAM on the servers vlan",
    category: "infra",
    kind: "vm",
    current: "homelab",
    expect: { "vms.vm1.diskGb": 50, "vms.vm1.memoryMb": 2048, "vms.vm1.address": "10.10.0.13", "vms.vm1.image": "debian-12" },
  },
  {
    text: "an Ubuntu VM with 4 cores and 8 GB",
    category: "infra",
    kind: "vm",
    current: "minecraft-demo",
    expect: {
      "vms.vm1.image": "ubuntu-24.04",
      "vms.vm1.cores": 4,
      "vms.vm1.memoryMb": 8192,
      "vms.vm1.diskGb": 32,
      "vms.vm1.network": "gaming",
      "vms.vm1.address": "10.20.0.11",
      "vms.vm1.dns": "vm1",
    },
  },
  {
    text: "a Debian LXC for Pi-hole on vlan 10",
    category: "infra",
    kind: "lxc",
    expect: {
      "lxc.pihole.template": "debian-12",
      "lxc.pihole.network": "servers",
      "lxc.pihole.ports.0.port": 53,
      "lxc.pihole.ports.0.protocol": "udp",
      "lxc.pihole.ports.2.port": 80,
      "services.pihole": ABSENT,
    },
    expectAssumption: "installing Pi-hole inside it is yours to do",
  },
  {
    text: "a Debian LXC for Pi-hole",
    category: "infra",
    kind: "lxc",
    current: "homelab",
    expectQuestion: 'Something named "pihole" already exists',
  },
  { text: "give the docker vm 8 cores", category: "modify", kind: "vm", current: "machines", expect: { "vms.docker.cores": 8, "vms.docker.memoryMb": 8192 } },
  { text: "resize pihole to 16GB disk", category: "modify", kind: "lxc", current: "machines", expect: { "lxc.pihole.diskGb": 16 } },
  { text: "add an ubuntu 20.04 vm on vlan 10", category: "question", kind: "vm", expectQuestion: "no ubuntu-20.04 image" },
  {
    text: "remove the webapp dev environment",
    category: "remove",
    current: "machines",
    expect: { "devEnvironments.webapp": ABSENT, "services.webapp-dev": ABSENT, "services.webapp-db": ABSENT, "vms.docker.cores": 4 },
  },
  { text: "remove the docker vm", category: "remove", kind: "vm", current: "machines", expect: { "vms.docker": ABSENT, "lxc.pihole.cores": 1 } },
  {
    text: "set up a dev environment for the web app",
    category: "infra",
    expect: {
      "networks.dev.vlan": 70,
      "services.webapp-dev.image": "node:22-bookworm",
      "services.webapp-dev.command": ["sleep", "infinity"],
      "services.webapp-dev.ports.0.container": 3000,
      "services.webapp-db.template": "postgresql",
      "services.webapp-db.network": "dev",
      "services.webapp-db.env.POSTGRES_DB": "webapp",
      "devEnvironments.webapp.workspace": "webapp-dev",
      "devEnvironments.webapp.database": "webapp-db",
      "devEnvironments.webapp.proxy": "webapp",
      "devEnvironments.webapp.tls": true,
    },
    expectAssumption:
      "https://webapp.home.arpa/ reaches the app on port 3000 of the workspace through the reverse proxy on OPNsense, LAN only, with a certificate from bosun's internal CA",
  },
  {
    text: "a python dev environment for the shop with mysql on vlan 10",
    category: "infra",
    current: "homelab",
    expect: {
      "services.shop-dev.image": "python:3.12-bookworm",
      "services.shop-dev.network": "servers",
      "services.shop-db.template": "mariadb",
      "devEnvironments.shop.port": 8000,
      "devEnvironments.shop.runtime": "python",
    },
  },

  // ---- modify ---------------------------------------------------------------------------------
  { text: "give minecraft 8GB", category: "modify", current: "minecraft-demo", expect: { "services.minecraft.memoryMb": 8192, "networks.gaming.vlan": 20 } },
  { text: "bump minecraft to 12 gigs of ram", category: "modify", current: "minecraft-demo", expect: { "services.minecraft.memoryMb": 12288 } },
  {
    text: "minecraft needs 20 players now",
    category: "modify",
    current: "minecraft-demo",
    expect: { "services.minecraft.memoryMb": 7168, "services.minecraft.env.MAX_PLAYERS": "20" },
  },
  { text: "give the minecraft server 4 cores", category: "modify", current: "minecraft-demo", expect: { "services.minecraft.cpus": 4 } },
  {
    text: "move jellyfin to vlan 30",
    category: "modify",
    current: "homelab",
    expect: { "services.jellyfin.network": "iot", "services.jellyfin.address": "10.30.0.10" },
  },
  {
    text: "move minecraft to vlan 25",
    category: "modify",
    current: "minecraft-demo",
    expect: { "networks.vlan25.vlan": 25, "services.minecraft.network": "vlan25", "networks.gaming.vlan": 20 },
  },
  { text: "set minecraft memory to 6144 mb", category: "modify", current: "minecraft-demo", expect: { "services.minecraft.memoryMb": 6144 } },
  // The homelab has no VM while VMs are refused; resizing one is refused too (and asked about once VMs are back: there is no such VM).
  { text: "resize the docker vm to 16GB and 8 cores", category: "question", kind: "vm", current: "homelab", expectQuestion: "There is no such VM" },
  { text: "grow docker's disk to 200GB", category: "question", current: "homelab", expectQuestion: '"docker"' },
  { text: "make jellyfin private", category: "modify", current: "homelab", expect: { "services.jellyfin.ports.0.expose": "network" } },
  { text: "change the gaming vlan to vlan 21", category: "modify", current: "minecraft-demo", expect: { "networks.gaming.vlan": 21 } },
  { text: "upgrade pihole to 512mb", category: "modify", current: "homelab", expect: { "services.pihole.memoryMb": 512 } },
  { text: "make minecraft reachable at mc.home.arpa", category: "modify", current: "minecraft-demo", expect: { "services.minecraft.dns": "mc" } },
  { text: "give minecraft the dns name mc", category: "modify", current: "minecraft-demo", expect: { "services.minecraft.dns": "mc" } },
  { text: "minecraft for 40 players", category: "modify", current: "minecraft-demo", expect: { "services.minecraft.memoryMb": 13312 } },
  { text: "give the mincraft server 6GB", category: "modify", current: "minecraft-demo", expect: { "services.minecraft.memoryMb": 6144 } },
  { text: "move the pihole to the iot network", category: "modify", current: "homelab", expect: { "services.pihole.network": "iot" } },

  // ---- remove ------------------------------------------------------------------------------
  {
    text: "tear down the gaming VLAN",
    category: "remove",
    current: "minecraft-demo",
    expect: { "networks.gaming": ABSENT, "services.minecraft": ABSENT },
    expectChange: "remove service minecraft (it ran on gaming)",
  },
  { text: "remove minecraft", category: "remove", current: "minecraft-demo", expect: { "services.minecraft": ABSENT, "networks.gaming.vlan": 20 } },
  { text: "delete jellyfin", category: "remove", current: "homelab", expect: { "services.jellyfin": ABSENT, "networks.media.vlan": 60 } },
  { text: "get rid of the pihole", category: "remove", current: "homelab", expect: { "services.pihole": ABSENT } },
  { text: "remove vlan 60", category: "remove", current: "homelab", expect: { "networks.media": ABSENT, "services.jellyfin": ABSENT } },
  {
    text: "uninstall wordpress",
    category: "remove",
    current: "homelab",
    expect: { "services.wordpress": ABSENT, "services.wordpress-db": ABSENT, "services.pihole.network": "servers" },
  },
  { text: "destroy the docker vm", category: "question", current: "homelab", expectQuestion: 'couldn\'t find "docker"' },
  { text: "remove the dns record for nas", category: "remove", current: "homelab", expect: { "dns.records.length": 0 } },
  { text: "drop the nas record", category: "remove", current: "homelab", expect: { "dns.records.length": 0 } },
  { text: "delete the guests network", category: "remove", current: "homelab", expect: { "networks.guests": ABSENT, "networks.gaming.allowFrom.length": 0 } },
  {
    text: "we don't need the minecraft server anymore",
    category: "remove",
    current: "homelab",
    expect: { "services.minecraft": ABSENT, "networks.gaming.allowFrom.length": 0 },
  },

  // ---- a named product beats a generic word next to it -----------------------------------------
  { text: "a WordPress blog on vlan 10", category: "app", expect: { "services.wordpress.template": "wordpress", "services.ghost": ABSENT } },
  { text: "spin up Ghost as our blog on vlan 10", category: "app", expect: { "services.ghost.template": "ghost", "services.wordpress": ABSENT } },
  {
    text: "grafana dashboards for monitoring on vlan 10",
    category: "app",
    expect: { "services.grafana.template": "grafana", "services.uptime-kuma": ABSENT },
  },
  {
    text: "I want a wordpress website for the bakery on vlan 10",
    category: "app",
    expect: { "services.wordpress.template": "wordpress", "services.nginx": ABSENT },
  },
  { text: "deploy gitea and a dashboard on vlan 10", category: "app", expect: { "services.gitea.template": "gitea", "services.grafana.template": "grafana" } },
  {
    text: "deploy postgres for my blog on vlan 10",
    category: "app",
    expect: { "services.postgresql.template": "postgresql", "services.wordpress": ABSENT, "services.ghost": ABSENT },
    expectAssumption: '"blog" read as describing PostgreSQL',
  },
  // "server" is filler, not the servers network: a game goes on gaming.
  { text: "set up a valheim server for 5 friends", category: "game", current: "homelab", expect: { "services.valheim.network": "gaming" } },

  // ---- a request that names both ends is carried out ---------------------------------------------
  {
    text: "block the IoT VLAN from reaching the LAN",
    category: "infra",
    current: "homelab",
    expect: { "networks.iot.internet": true },
    expectAssumption: "iot already can't reach the LAN",
  },
  { text: "stop the guests vlan from talking to the lan", category: "infra", current: "homelab", expectAssumption: "guests already can't reach the LAN" },
  { text: "the iot network shouldn't be able to reach the lan", category: "infra", current: "homelab", expectAssumption: "iot already can't reach the LAN" },
  {
    text: "guests must not access minecraft",
    category: "infra",
    current: "homelab",
    expect: { "networks.gaming.allowFrom.length": 0 },
    expectAssumption: "minecraft (25565/tcp) stays published beyond gaming",
  },
  { text: "block the iot vlan from reaching the servers vlan", category: "question", current: "homelab", expectQuestion: "make pihole private" },
  { text: "allow the iot vlan to reach the lan", category: "question", current: "homelab", expectQuestion: "OPNsense's own LAN" },
  { text: "make sure iot can't talk to the lan", category: "infra", current: "homelab", expectAssumption: "iot already can't reach the LAN" },
  { text: "keep the cameras off the lan", category: "question", current: "homelab", expectQuestion: "There is no cameras network" },

  // ---- a port to an address ------------------------------------------------------------------------
  {
    text: "open tcp port 8080 on vlan 20 to 10.20.0.50",
    category: "question",
    current: "homelab",
    expectQuestion: "No service bosun runs has the address 10.20.0.50",
  },
  { text: "open tcp port 8080 on vlan 20 to 10.20.0.50", category: "question", current: "minecraft-demo", expectQuestion: "minecraft at 10.20.0.10" },
  { text: "forward udp port 27015 to 10.60.0.77", category: "question", current: "homelab", expectQuestion: "10.60.0.77" },
  { text: "open port 9000 to 10.10.0.5", category: "question", current: "homelab", expectQuestion: "nas.home.arpa points there" },
  { text: "allow tcp port 443 from guests to 10.10.0.99", category: "question", current: "homelab", expectQuestion: "10.10.0.99" },
  { text: "open port 8443/tcp on vlan 20 to 10.20.0.9", category: "question", expectQuestion: "there is no VLAN 20 here" },
  {
    text: "open port 25575/tcp to 10.20.0.10",
    category: "infra",
    current: "homelab",
    expect: { "services.minecraft.ports.1.container": 25575, "services.minecraft.ports.1.protocol": "tcp", "services.minecraft.ports.1.expose": "lan" },
  },
  { text: "open udp port 19132 on vlan 20 for 10.20.0.10", category: "infra", current: "minecraft-demo", expect: { "services.minecraft.ports.1.host": 19132 } },
  { text: "open port 8080 to 10.20.0.10", category: "question", current: "homelab", expectQuestion: "8080/tcp is already published by wordpress" },
  { text: "open udp 9987 on vlan 20 to 10.20.0.40", category: "question", current: "homelab", expectQuestion: "port 9987/udp" },

  // ---- a DNS name for an address -------------------------------------------------------------------
  {
    text: "dns name media.home.arpa for 10.40.0.10",
    category: "infra",
    current: "homelab",
    expect: { "dns.records.1.name": "media", "dns.records.1.type": "A", "dns.records.1.value": "10.40.0.10", "networks.media-70": ABSENT },
  },
  {
    text: "dns name media.home.arpa for 10.40.0.10",
    category: "infra",
    expect: { "dns.records.0.name": "media", "dns.records.0.value": "10.40.0.10", "networks.media": ABSENT },
  },
  {
    text: "hostname printer for 10.30.0.20",
    category: "infra",
    current: "homelab",
    expect: { "dns.records.1.name": "printer", "dns.records.1.value": "10.30.0.20" },
  },
  { text: "make scanner.home.arpa resolve to 10.30.0.21", category: "infra", current: "homelab", expect: { "dns.records.1.name": "scanner" } },
  { text: "call 10.60.0.50 tv.home.arpa", category: "infra", current: "homelab", expect: { "dns.records.1.name": "tv", "dns.records.1.value": "10.60.0.50" } },
  {
    text: "add a dns entry for 10.30.0.41 called camera1",
    category: "infra",
    current: "homelab",
    expect: { "dns.records.1.name": "camera1", "dns.records.1.value": "10.30.0.41" },
  },
  { text: "give 10.30.0.40 the name doorbell.home.arpa", category: "infra", current: "homelab", expect: { "dns.records.1.name": "doorbell" } },
  { text: "dns name mc.home.arpa for 10.20.0.10", category: "modify", current: "homelab", expect: { "services.minecraft.dns": "mc", "dns.records.length": 1 } },
  { text: "dns name cams.example.com for 10.30.0.9", category: "question", current: "homelab", expectQuestion: "outside it" },
  {
    text: "dns name wordpress.home.arpa for 10.10.0.50",
    category: "question",
    current: "homelab",
    expectQuestion: "already the name of the service wordpress",
  },

  // ---- purpose words on a network name it ---------------------------------------------------------
  { text: "a VLAN 36 for the printers", category: "infra", expect: { "networks.printers.vlan": 36, "networks.printers.subnet": "10.36.0.0/24" } },
  { text: "add vlan 45 for our printers", category: "infra", current: "homelab", expect: { "networks.printers.vlan": 45 } },
  { text: "set up a separate network for the thermostats", category: "infra", expect: { "networks.thermostats.vlan": 100 } },
  { text: "new scanners vlan on tag 37", category: "infra", current: "minecraft-demo", expect: { "networks.scanners.vlan": 37, "networks.gaming.vlan": 20 } },
  { text: "a vlan 38 for the nas boxes, no internet", category: "infra", expect: { "networks.nas.vlan": 38, "networks.nas.internet": false } },
  { text: "make a vlan for the smart plugs", category: "infra", current: "homelab", expect: { "networks.smart-plugs.vlan": 50, "networks.iot.vlan": 30 } },
  { text: "I want a separate vlan 35 for the lab printers", category: "infra", current: "homelab", expect: { "networks.lab-printers.vlan": 35 } },
  { text: "make the gaming vlan faster", category: "question", current: "minecraft-demo", expectQuestion: '"faster"' },

  // ---- template settings such as the player limit ------------------------------------------------
  {
    text: "raise the player limit on minecraft to 15",
    category: "modify",
    current: "minecraft-demo",
    expect: { "services.minecraft.env.MAX_PLAYERS": "15", "services.minecraft.memoryMb": 5632 },
  },
  {
    text: "set minecraft's max players to 30",
    category: "modify",
    current: "homelab",
    expect: { "services.minecraft.env.MAX_PLAYERS": "30", "services.minecraft.memoryMb": 10240 },
  },
  {
    text: "bump the maximum number of players on the minecraft server to 12",
    category: "modify",
    current: "minecraft-demo",
    expect: { "services.minecraft.env.MAX_PLAYERS": "12", "services.minecraft.memoryMb": 5120 },
  },
  {
    text: "minecraft should allow 25 players",
    category: "modify",
    current: "minecraft-demo",
    expect: { "services.minecraft.env.MAX_PLAYERS": "25", "networks.gaming.allowFrom.length": 0 },
  },
  {
    text: "player cap on minecraft: 8, and give it 6GB",
    category: "modify",
    current: "minecraft-demo",
    expect: { "services.minecraft.env.MAX_PLAYERS": "8", "services.minecraft.memoryMb": 6144 },
  },
  { text: "raise the player limit on minecraft", category: "question", current: "minecraft-demo", expectQuestion: "How many players" },
  {
    text: "minecraft: 20 slots",
    category: "modify",
    current: "homelab",
    expect: { "services.minecraft.env.MAX_PLAYERS": "20", "services.minecraft.memoryMb": 7168 },
  },
  {
    text: "change the max player count of minecraft to 6",
    category: "modify",
    current: "homelab",
    expect: { "services.minecraft.env.MAX_PLAYERS": "6", "services.minecraft.memoryMb": 3072 },
  },
  { text: "lower the terraria player cap to 4", category: "question", current: "homelab", expectQuestion: "There is no Terraria server" },
  { text: "set the player limit on jellyfin to 5", category: "question", current: "homelab", expectQuestion: "jellyfin has no player-based sizing" },

  // ---- two services in one sentence -------------------------------------------------------------------
  {
    text: "minecraft and terraria on vlan 31",
    category: "game",
    current: "homelab",
    expect: {
      "services.terraria.network": "vlan31",
      "services.minecraft-2.network": "vlan31",
      "services.minecraft-2.ports.0.host": 25566,
      "services.minecraft.network": "gaming",
      "networks.vlan31.vlan": 31,
    },
    expectAssumption: 'already runs as "minecraft" on gaming: adding a second one',
  },
  {
    text: "minecraft and terraria on vlan 31",
    category: "game",
    expect: { "services.minecraft.network": "gaming", "services.terraria.network": "gaming", "networks.gaming.vlan": 31 },
  },
  {
    text: "deploy factorio plus valheim for 6 players each on vlan 22",
    category: "game",
    expect: { "services.factorio.memoryMb": 2560, "services.valheim.memoryMb": 4608, "networks.gaming.vlan": 22 },
  },
  {
    text: "add terraria and valheim with 2GB each on the gaming vlan",
    category: "game",
    current: "minecraft-demo",
    expect: { "services.terraria.memoryMb": 2048, "services.valheim.memoryMb": 2048, "services.valheim.network": "gaming" },
  },
  {
    text: "set up jellyfin and home assistant",
    category: "app",
    current: "homelab",
    expect: { "services.home-assistant.network": "iot", "services.jellyfin-2": ABSENT, "services.jellyfin.network": "media" },
    expectAssumption: 'already runs as "jellyfin" on media: kept as it is',
  },
  {
    text: "grafana plus uptime kuma on vlan 10",
    category: "app",
    expect: { "services.grafana.ports.0.host": 3000, "services.uptime-kuma.ports.0.host": 3001 },
  },
  {
    text: "minecraft, terraria and factorio on vlan 25",
    category: "game",
    expect: {
      "services.minecraft.network": "gaming",
      "services.terraria.network": "gaming",
      "services.factorio.network": "gaming",
      "networks.gaming.vlan": 25,
    },
  },
  {
    text: "factorio & terraria on the gaming vlan",
    category: "game",
    current: "homelab",
    expect: { "services.factorio.network": "gaming", "services.terraria.network": "gaming" },
  },
  { text: "minecraft and terraria with 4GB on vlan 31", category: "question", expectQuestion: 'Say "each"' },

  // ---- what bosun cannot build yet is refused plainly ------------------------------------------------
  { text: "spin up a windows vm with 8 cores on vlan 10", category: "question", kind: "vm", expectQuestion: "no windows image" },
  {
    text: "deploy home assistant as an lxc on vlan 30",
    category: "infra",
    kind: "lxc",
    expect: { "lxc.home-assistant.network": "iot", "lxc.home-assistant.ports.0.port": 8123, "services.home-assistant": ABSENT },
  },
  { text: "run grafana in k8s", category: "app", kind: "k8s", expect: { "kubernetes.apps.grafana.namespace": "default" } },
  {
    text: "I need a TLS certificate for wordpress",
    category: "refusal",
    kind: "certificate",
    current: "homelab",
    expect: { "services.wordpress.publish": { host: "wordpress.home.arpa", certificate: "wordpress", public: false } },
  },
  { text: "make wordpress https", category: "refusal", kind: "certificate", current: "homelab", expect: { "certificates.wordpress.issuer": "self-signed" } },
  {
    text: "add a cname wiki pointing to wordpress.home.arpa",
    category: "refusal",
    kind: "cname",
    current: "homelab",
    expect: { "dns.records.1.name": "wiki", "dns.records.1.type": "CNAME", "dns.records.1.value": "wordpress.home.arpa" },
  },
  { text: "alias blog to wordpress", category: "refusal", kind: "cname", current: "homelab" },
  { text: "open port 443/tcp for https on wordpress", category: "infra", current: "homelab", expect: { "services.wordpress.ports.1.container": 443 } },

  // ---- must ask ------------------------------------------------------------------------------
  { text: "deploy minecraft", category: "question", expectQuestions: true },
  { text: "deploy a game server", category: "question", expectQuestions: true },
  { text: "set up a gaming server on vlan 20", category: "question", expectQuestions: true },
  { text: "deploy jellyfin", category: "question", current: "homelab", expectQuestions: true },
  { text: "I want a blog on vlan 10", category: "question", expectQuestions: true },
  { text: "put minecraft on vlan 20 and vlan 30", category: "question", expectQuestions: true },
  { text: "add a vm", category: "question", current: "homelab", expectQuestions: true },
  { text: "allow guests to reach minecraft", category: "question", current: "minecraft-demo", expectQuestions: true },
  { text: "deploy minecraft with 4GB and 8GB on vlan 20", category: "question", expectQuestions: true },
  { text: "remove everything", category: "question", current: "homelab", expectQuestions: true },
  { text: "give minecraft more", category: "question", current: "minecraft-demo", expectQuestions: true },
  { text: "add a dns record for nas3", category: "question", current: "homelab", expectQuestions: true },
  { text: "get a let's encrypt cert for minecraft", category: "question", current: "minecraft-demo", expectQuestions: true },
  { text: "shrink docker's disk to 10GB", category: "question", current: "homelab", expectQuestions: true },
  { text: "deploy nginx called ../../etc on vlan 10", category: "question", expectQuestions: true },
  { text: "", category: "question", expectQuestions: true },

  // ---- refuse / out of range -------------------------------------------------------------------
  { text: "Deploy a Kafka cluster on vlan 5", category: "refusal", expectQuestions: true },
  { text: "asdfgh qwerty zxcv", category: "refusal", expectQuestions: true },
  { text: "minecraft on VLAN 5000", category: "refusal", expectQuestions: true },
  { text: "open port 70000 on minecraft", category: "refusal", current: "minecraft-demo", expectQuestions: true },
  { text: "give minecraft 4 TB of RAM", category: "refusal", current: "minecraft-demo", expectQuestions: true },
  { text: "deploy minecraft for 500 players on vlan 20", category: "refusal", expectQuestions: true },
  { text: "run a mail server on vlan 10", category: "refusal", expectQuestions: true },
  { text: "deploy a minecraft server on vlan 20 with port 99999", category: "refusal", expectQuestions: true },
  { text: "create a vm called big with 4 TB of RAM on vlan 10", category: "refusal", expectQuestions: true },
  { text: "add vlan 20", category: "refusal", current: "minecraft-demo", expectQuestions: true },
  { text: "create vlan 30 with 10.20.0.0/24", category: "refusal", current: "minecraft-demo", expectQuestions: true },
];
