// The picture of a stack's network, drawn on the server as SVG from the spec
// and what is deployed (the status outputs): each segment a box with its VLAN
// and subnet, its services inside, and arrows for what may flow — from the LAN
// or other segments to a service's port, between segments (allowFrom), out to
// the internet — and for ports published on the container host. Items the last
// drift check found changed are marked. Layout is a fixed grid: the LAN on the
// left, segments in a row, the container host below, the internet above.
import type { SpecV1 } from "../../../../stacks/model/index.ts";
import { firewallRulesFor, serviceAddresses } from "../../../../stacks/model/mapping.ts";
import { type Html, html } from "./html.ts";

export interface DeployedState {
  networks?: Record<string, { tag?: unknown; interface?: unknown } | undefined>;
  services?: Record<string, { address?: unknown; dnsName?: unknown; ports?: unknown; published?: unknown } | undefined>;
}

export interface PictureInput {
  stack: string;
  spec: SpecV1;
  deployed: DeployedState | undefined;
  /** Groups the last drift check found different, e.g. "service minecraft", "network gaming". */
  drifted: ReadonlySet<string>;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const SEG_W = 300;
const SVC_H = 74;
const GAP = 80;
const TOP = 110;
const LAN_W = 150;

export function networkPicture(input: PictureInput): Html {
  const { spec, deployed, drifted } = input;
  const networks = Object.entries(spec.networks).sort(([a], [b]) => a.localeCompare(b));
  const services = Object.entries(spec.services);
  const addresses = serviceAddresses(spec).addresses;
  const rules = firewallRulesFor(spec);

  const segBoxes = new Map<string, Box>();
  const svcBoxes = new Map<string, Box>();
  let x = LAN_W + GAP + 40;
  let tallest = 160;
  for (const [name] of networks) {
    const inside = services.filter(([, s]) => s.network === name);
    const h = 70 + Math.max(1, inside.length) * (SVC_H + 14) + 10;
    segBoxes.set(name, { x, y: TOP, w: SEG_W, h });
    inside.forEach(([svc], i) => svcBoxes.set(svc, { x: x + 20, y: TOP + 70 + i * (SVC_H + 14), w: SEG_W - 40, h: SVC_H }));
    tallest = Math.max(tallest, h);
    x += SEG_W + GAP;
  }
  const width = Math.max(x, LAN_W + GAP + 40 + SEG_W + GAP);
  const lan: Box = { x: 20, y: TOP + tallest / 2 - 40, w: LAN_W, h: 80 };
  const internet: Box = { x: width / 2 - 90, y: 16, w: 180, h: 44 };
  const hostY = TOP + tallest + 70;
  const host: Box = { x: LAN_W + GAP + 40, y: hostY, w: Math.max(SEG_W, width - LAN_W - GAP - 80), h: 54 };
  const height = hostY + host.h + 30;

  const arrows: Html[] = [];
  const seen = new Set<string>();
  const addArrow = (cls: string, from: Box, to: Box, label: string, data: Record<string, string>) => {
    const key = `${cls}|${JSON.stringify(data)}`;
    if (seen.has(key)) return;
    seen.add(key);
    arrows.push(arrow(cls, from, to, label, data));
  };

  let usesInternet = false;
  let publishes = false;
  for (const rule of rules) {
    if (rule.action !== "pass") continue;
    const source = rule.network === "lan" ? lan : (segBoxes.get(rule.network) ?? lan);
    const sourceName = rule.network;
    const flowLabel = rule.port === "any" ? "all ports" : `${rule.port}/${rule.protocol}`;
    if (rule.owner.kind === "service") {
      const target = svcBoxes.get(rule.owner.name);
      if (target) addArrow("flow", source, target, flowLabel, { from: sourceName, to: rule.owner.name, port: flowLabel });
    } else if (rule.key === "internet") {
      const seg = segBoxes.get(rule.owner.name);
      if (seg) {
        usesInternet = true;
        addArrow("internet", seg, internet, "internet", { from: rule.owner.name, to: "internet", port: "any" });
      }
    } else if (rule.key.startsWith("allow-from-")) {
      const target = [...services].find(([n]) => addresses[n] === rule.destination)?.[0];
      const to = target ? svcBoxes.get(target) : segBoxes.get(rule.owner.name);
      if (to) addArrow("flow", source, to, flowLabel, { from: sourceName, to: target ?? rule.owner.name, port: flowLabel });
    }
  }
  for (const [name, svc] of services) {
    const box = svcBoxes.get(name);
    const live = deployed?.services?.[name];
    const publishedOn = typeof live?.published === "string" && live.published ? live.published : undefined;
    if (!box || !publishedOn) continue;
    for (const p of svc.ports) {
      publishes = true;
      addArrow("published", host, box, `${publishedOn}:${p.host} → ${p.container}/${p.protocol}`, {
        from: "host",
        to: name,
        port: `${p.host}/${p.protocol}`,
      });
    }
  }

  const segs = networks.map(([name, net]) => {
    const b = segBoxes.get(name) as Box;
    const mark = drifted.has(`network ${name}`);
    const live = deployed?.networks?.[name];
    return html`<g class="segment${mark ? " drifted" : ""}" data-network="${name}" data-vlan="${net.vlan}">
  <rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="10" class="seg-box"/>
  <text x="${b.x + 14}" y="${b.y + 26}" class="seg-title">${name} · VLAN ${net.vlan}</text>
  <text x="${b.x + 14}" y="${b.y + 46}" class="seg-sub">${net.subnet} · gateway ${net.gateway}${live ? "" : " · not deployed"}</text>
  ${mark ? html`<text x="${b.x + b.w - 14}" y="${b.y + 26}" text-anchor="end" class="badge">drifted</text>` : ""}
</g>`;
  });
  const svcs = services.map(([name, svc]) => {
    const b = svcBoxes.get(name);
    if (!b) return "";
    const live = deployed?.services?.[name];
    const mark = drifted.has(`service ${name}`);
    const address = typeof live?.address === "string" ? live.address : (addresses[name] ?? "");
    const ports = svc.ports.map((p) => `${p.container}/${p.protocol}`).join(", ");
    return html`<g class="service${live ? "" : " pending"}${mark ? " drifted" : ""}" data-service="${name}">
  <rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="8" class="svc-box"/>
  <text x="${b.x + 12}" y="${b.y + 22}" class="svc-title">${name}</text>
  <text x="${b.x + 12}" y="${b.y + 41}" class="svc-sub">${svc.template ?? svc.image ?? ""} · ${address}</text>
  <text x="${b.x + 12}" y="${b.y + 60}" class="svc-sub">${ports ? `ports ${ports}` : "no ports"}${live ? "" : " · not deployed"}</text>
  ${mark ? html`<text x="${b.x + b.w - 10}" y="${b.y + 22}" text-anchor="end" class="badge">drifted</text>` : ""}
</g>`;
  });

  return html`<svg xmlns="http://www.w3.org/2000/svg" class="network" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Network of stack ${input.stack}">
<defs>
  <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker>
</defs>
<g class="lan" data-node="lan"><rect x="${lan.x}" y="${lan.y}" width="${lan.w}" height="${lan.h}" rx="10" class="ext-box"/>
  <text x="${lan.x + lan.w / 2}" y="${lan.y + 36}" text-anchor="middle" class="seg-title">LAN</text>
  <text x="${lan.x + lan.w / 2}" y="${lan.y + 56}" text-anchor="middle" class="seg-sub">OPNsense lan</text></g>
${usesInternet ? html`<g class="internet" data-node="internet"><rect x="${internet.x}" y="${internet.y}" width="${internet.w}" height="${internet.h}" rx="22" class="ext-box"/><text x="${internet.x + internet.w / 2}" y="${internet.y + 27}" text-anchor="middle" class="seg-title">Internet</text></g>` : ""}
${publishes ? html`<g class="host" data-node="host"><rect x="${host.x}" y="${host.y}" width="${host.w}" height="${host.h}" rx="10" class="ext-box"/><text x="${host.x + 14}" y="${host.y + 32}" class="seg-title">Container host (published ports)</text></g>` : ""}
${segs}
${svcs}
${arrows}
</svg>`;
}

function center(b: Box): { x: number; y: number } {
  return { x: b.x + b.w / 2, y: b.y + b.h / 2 };
}

/** Where the line from the centre of `b` towards `p` leaves `b`. */
function edgeToward(b: Box, p: { x: number; y: number }): { x: number; y: number } {
  const c = center(b);
  const dx = p.x - c.x;
  const dy = p.y - c.y;
  if (dx === 0 && dy === 0) return c;
  const sx = dx === 0 ? Number.POSITIVE_INFINITY : b.w / 2 / Math.abs(dx);
  const sy = dy === 0 ? Number.POSITIVE_INFINITY : b.h / 2 / Math.abs(dy);
  const s = Math.min(sx, sy);
  return { x: c.x + dx * s, y: c.y + dy * s };
}

function arrow(cls: string, from: Box, to: Box, label: string, data: Record<string, string>): Html {
  const a = edgeToward(from, center(to));
  const b = edgeToward(to, center(from));
  const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 6 };
  return html`<g class="arrow ${cls}" data-from="${data["from"] ?? ""}" data-to="${data["to"] ?? ""}" data-port="${data["port"] ?? ""}">
  <line x1="${a.x.toFixed(1)}" y1="${a.y.toFixed(1)}" x2="${b.x.toFixed(1)}" y2="${b.y.toFixed(1)}" marker-end="url(#arrow)"/>
  <text x="${mid.x.toFixed(1)}" y="${mid.y.toFixed(1)}" text-anchor="middle" class="arrow-label">${label}</text>
</g>`;
}
