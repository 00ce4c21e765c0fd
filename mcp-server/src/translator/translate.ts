// The offline intent translator: one sentence + the current spec → a new,
// validated spec, what changed, what was assumed, and what must be asked.
//
// Rules of the road:
//  - Deterministic: the same text and spec give the same result (generated
//    secrets come from `options.secret`, random by default).
//  - Never a silently wrong spec: anything missing, ambiguous, contradictory
//    or out of range becomes a question and the spec comes back unchanged.
//  - Removing a network removes what runs on it (services, VMs, containers)
//    and every rule that names it, each listed in `changes` and `assumptions`:
//    the plan is previewed and needs approval, so cascading is safe and says so.
//  - Text is only matched with regular expressions; it is never executed or
//    put into a shell or URL. Names taken from text must be DNS labels.
import { randomBytes } from "node:crypto";
import { diffSpecs, emptySpec, formatSpecErrors, parseSpec } from "../../../stacks/model/index.ts";
import type { ServicePort, SpecV1 } from "../../../stacks/model/index.ts";
import { nextFreeAddress } from "../../../stacks/model/mapping.ts";
import { formatIpv4, parseCidr, cidrsOverlap, hasHostBits, formatCidr } from "../../../providers/kit/net.ts";
import { didYouMean, isDnsLabel } from "../../../stacks/model/names.ts";
import { isPrivateDomain } from "../../../stacks/model/rules.ts";
import { memoryForPlayers, templateCatalog } from "../../../stacks/templates/catalog.ts";
import type { Template, TemplateCatalog } from "../../../stacks/templates/catalog.ts";
import { readFacts } from "./facts.ts";
import type { Facts } from "./facts.ts";
import { PURPOSES, STOPWORDS } from "./match.ts";
import type { Ref } from "./match.ts";
import { MAX_TEXT_LENGTH } from "./text.ts";

/** The translator's answer. When `questions` is not empty, `spec` is the current spec, unchanged. */
export interface Translation {
  spec: SpecV1;
  changes: string[];
  assumptions: string[];
  questions: string[];
}

export interface TranslateOptions {
  /** Template catalog. @default the built-in catalog */
  catalog?: TemplateCatalog;
  /** Makes a secret value for a template's secret id (e.g. "db-password"). @default 24 random bytes, base64url */
  secret?: (id: string) => string;
}

/** Upper bounds checked before building anything, so the question names the user's words. */
const MAX_SERVICE_MEMORY_MB = 262_144;

/** Network names for template categories when nothing else says where a service goes. */
const CATEGORY_NETWORK: Record<string, string> = {
  game: "gaming",
  media: "media",
  home: "iot",
  web: "servers",
  database: "servers",
  devops: "servers",
  monitoring: "servers",
  security: "servers",
  network: "servers",
  productivity: "servers",
};

interface Ctx {
  f: Facts;
  base: SpecV1;
  draft: SpecV1;
  catalog: TemplateCatalog;
  secret: (id: string) => string;
  assumptions: string[];
  questions: string[];
  notes: string[];
}

function mib(mb: number): string {
  if (mb >= 1024 && mb % 512 === 0) return `${mb / 1024} GiB`;
  return `${mb} MiB`;
}

function defaultSecret(): string {
  return randomBytes(24).toString("base64url");
}

/** Translates one request. Pure apart from the default secret generator. */
export function translate(text: string, currentSpec?: SpecV1, options: TranslateOptions = {}): Translation {
  const base = currentSpec ?? emptySpec();
  const unchanged = (questions: string[], assumptions: string[] = []): Translation => ({ spec: base, changes: [], assumptions, questions });
  if (text.trim() === "") return unchanged(['What should I do? For example: "Deploy a Minecraft server for 10 players on VLAN 20".']);
  if (text.length > MAX_TEXT_LENGTH)
    return unchanged([
      `That request is ${text.length} characters; the offline translator reads up to ${MAX_TEXT_LENGTH}. Please split it into smaller requests.`,
    ]);

  const catalog = options.catalog ?? templateCatalog;
  const ctx: Ctx = {
    f: readFacts(text, base, catalog),
    base,
    draft: structuredClone(base),
    catalog,
    secret: memoizedSecret(options.secret ?? defaultSecret),
    assumptions: [],
    questions: [],
    notes: [],
  };

  checkRanges(ctx);
  if (ctx.questions.length === 0) dispatch(ctx);
  if (ctx.questions.length > 0) return unchanged(ctx.questions, ctx.assumptions);

  const parsed = parseSpec(ctx.draft);
  if (!parsed.ok) {
    return unchanged([`That would make an invalid spec:\n${formatSpecErrors(parsed.errors)}\nPlease adjust the request.`], ctx.assumptions);
  }
  // Notes explain some diff lines ("remove service minecraft (it ran on gaming)"): keep the explained form only.
  const changes = [...diffSpecs(base, parsed.spec).filter((line) => !ctx.notes.some((n) => n.startsWith(`${line} (`))), ...ctx.notes];
  return { spec: parsed.spec, changes, assumptions: ctx.assumptions, questions: [] };
}

function memoizedSecret(make: (id: string) => string): (id: string) => string {
  const made = new Map<string, string>();
  return (id) => {
    const value = made.get(id) ?? make(id);
    made.set(id, value);
    return value;
  };
}

/** Numbers that can't be right whatever the action: ask before doing anything. */
function checkRanges(ctx: Ctx): void {
  const { f } = ctx;
  for (const v of f.vlans) if (v < 1 || v > 4094) ctx.questions.push(`VLAN ${v} is not valid: VLAN tags are 1-4094. Which VLAN should I use?`);
  for (const p of f.ports) {
    for (const n of [p.port, p.end ?? p.port])
      if (n < 1 || n > 65535) ctx.questions.push(`Port ${n} is not valid: ports are 1-65535. Which port did you mean?`);
  }
  for (const mb of f.memoryMb) {
    if (mb > MAX_SERVICE_MEMORY_MB && !f.kinds.vm)
      ctx.questions.push(`${mib(mb)} of memory is more than bosun gives one service or container (at most 256 GiB). How much memory should it get?`);
    else if (mb > 1_048_576) ctx.questions.push(`${mib(mb)} of memory is more than a VM can have here (at most 1024 GiB). How much memory should it get?`);
    if (mb < 32) ctx.questions.push(`${mb} MiB of memory is too little to run anything. How much memory should it get?`);
  }
  for (const c of f.cores) if (c < 1 || c > 128) ctx.questions.push(`${c} cores is out of range (1-128). How many cores?`);
  for (const d of f.diskGb) if (d > 65_536) ctx.questions.push(`${d} GB of disk is more than bosun allows (64 TB). How much disk?`);
  for (const c of f.cidrs) {
    const parsed = parseCidr(c);
    if (parsed === undefined || parsed.prefix < 8 || parsed.prefix > 30) ctx.questions.push(`${c} is not a usable subnet (use e.g. 10.20.0.0/24).`);
    else if (hasHostBits(parsed)) ctx.questions.push(`${c} has host bits set; did you mean ${formatCidr(parsed)}?`);
  }
  if (new Set(f.memoryMb).size > 1 && !f.kinds.vm && !f.kinds.lxc)
    ctx.questions.push(`You gave several memory sizes (${f.memoryMb.map(mib).join(", ")}). Which one?`);
  if (new Set(f.players).size > 1) ctx.questions.push(`You gave several player counts (${f.players.join(", ")}). Which one?`);
}

function dispatch(ctx: Ctx): void {
  const { f } = ctx;
  const existing = (kind: Ref["kind"]) => f.refs.filter((r) => r.kind === kind).map((r) => r.name);
  const newTemplates = f.templates.filter((h) => f.verbs.another || !Object.values(ctx.base.services).some((s) => s.template === h.template.name));

  if (f.verbs.remove) return remove(ctx);
  if (f.verbs.deny && !f.verbs.allow) return deny(ctx);
  if (f.verbs.allow && !f.kinds.certificate && !f.kinds.dnsRecord) return allow(ctx);
  if (f.verbs.close && f.ports.length > 0) return closePort(ctx);
  if (f.verbs.open && existing("service").length > 0 && newTemplates.length === 0) return openPort(ctx);
  if (f.kinds.domain) return changeDomain(ctx);
  if (f.kinds.certificate) return addCertificate(ctx);
  if (f.kinds.dnsRecord && f.dnsName === undefined) return addDnsRecord(ctx);
  if (existing("service").length > 0 && newTemplates.length === 0 && !f.kinds.vm && !f.kinds.lxc && !f.kinds.k8s)
    return modifyService(ctx, existing("service")[0] ?? "");
  if ((existing("vm").length > 0 || existing("lxc").length > 0) && !f.verbs.another) return modifyMachine(ctx);
  if (f.kinds.vm) return addMachine(ctx, "vm");
  if (f.kinds.lxc || (/\bcontainer\b/.test(f.s) && f.templates.length === 0 && f.image === undefined && (f.cores.length > 0 || f.diskGb.length > 0)))
    return addMachine(ctx, "lxc");
  if (f.templates.length > 0) return addServices(ctx);
  if (f.image !== undefined) return addImageService(ctx, f.image);
  if (existing("network").length > 0 && networkChangeWanted(ctx)) return modifyNetwork(ctx, existing("network")[0] ?? "");
  if (unknownObject(ctx) !== undefined) return notUnderstood(ctx);
  const category = categoryServerWanted(ctx);
  if (category !== undefined) return askWhichTemplate(ctx, category);
  if (f.kinds.network || f.purpose !== undefined) return addNetwork(ctx);
  return notUnderstood(ctx);
}

// ---- not understood / outside the catalog ----------------------------------------------

/** Words naming what to add that are neither network words, purposes nor filler: "deploy a kafka cluster" → "kafka". */
const NETWORK_WORDS = new Set([
  "vlan",
  "vlans",
  "network",
  "networks",
  "segment",
  "subnet",
  "lan",
  "devices",
  "device",
  "dhcp",
  "id",
  "tag",
  "called",
  "named",
  "internet",
  "without",
  "no",
  "only",
  "isolated",
  "separate",
  "dedicated",
  "things",
  "wifi",
  "wireless",
  "ssid",
]);
const PURPOSE_WORDS = new Set(Object.values(PURPOSES).flatMap((p) => p.words.flatMap((w) => w.split(" "))));

function unknownObject(ctx: Ctx): string | undefined {
  const { f } = ctx;
  if (!f.verbs.add) return undefined;
  return f.ws.find((w, i) => {
    if (!/^[a-z][a-z0-9-]{2,}$/.test(w) || STOPWORDS.has(w) || COMMON.has(w) || NETWORK_WORDS.has(w) || PURPOSE_WORDS.has(w) || VERB_WORDS.has(w)) return false;
    if (f.name === w || f.ws[i - 1] === "called" || f.ws[i - 1] === "named") return false;
    return true;
  });
}

const VERB_WORDS = new Set([
  "deploy",
  "add",
  "create",
  "setup",
  "spin",
  "install",
  "host",
  "start",
  "launch",
  "provision",
  "want",
  "need",
  "build",
  "stand",
  "bring",
  "fire",
  "put",
  "make",
  "give",
  "get",
  "please",
  "would",
  "like",
  "i'd",
  "let's",
  "lets",
  "going",
  "have",
  "set",
]);

function notUnderstood(ctx: Ctx): void {
  const { f } = ctx;
  const unknown = f.ws.filter(
    (w) => /^[a-z][a-z0-9-]{2,}$/.test(w) && !STOPWORDS.has(w) && !COMMON.has(w) && !VERB_WORDS.has(w) && !NETWORK_WORDS.has(w) && !PURPOSE_WORDS.has(w),
  );
  const catalogNames = Object.values(ctx.catalog).map((t) => t.name);
  if (f.verbs.add && unknown.length > 0) {
    const word = unknown[0] ?? "";
    ctx.questions.push(
      `I don't know "${word}": it isn't in bosun's catalog${didYouMean(word, catalogNames)}. Catalog: ${catalogNames.join(", ")}. ` +
        `To run any other container, say e.g. "run image <name>:<tag> on VLAN 20".`,
    );
    return;
  }
  ctx.questions.push(
    `I didn't understand "${f.s.slice(0, 80)}". Try e.g. "Deploy a Minecraft server for 10 players on VLAN 20", "create a VLAN for IoT devices", "give minecraft 8GB" or "remove jellyfin".`,
  );
}

/** "a game server" or "a media server" names a kind of service, not a network: which one must be asked, not guessed. */
const CATEGORY_SERVER: { pattern: RegExp; category: string; noun: string }[] = [
  { pattern: /\b(game|games|gaming)\s+(server|servers|host)\b/, category: "game", noun: "game" },
  { pattern: /\b(media|streaming)\s+(server|servers)\b/, category: "media", noun: "media server" },
];

function categoryServerWanted(ctx: Ctx): { category: string; noun: string } | undefined {
  if (!ctx.f.verbs.add) return undefined;
  return CATEGORY_SERVER.find((c) => c.pattern.test(ctx.f.s));
}

function askWhichTemplate(ctx: Ctx, wanted: { category: string; noun: string }): void {
  const titles = Object.values(ctx.catalog)
    .filter((t) => t.category === wanted.category)
    .map((t) => t.title);
  ctx.questions.push(`Which ${wanted.noun} should it be? bosun's catalog has ${titles.join(", ")}.`);
}

/** Ordinary words that are not requests for something unknown. */
const COMMON = new Set([
  "please",
  "thanks",
  "thank",
  "hello",
  "hey",
  "quick",
  "small",
  "big",
  "large",
  "tiny",
  "cool",
  "nice",
  "some",
  "fast",
  "cheap",
  "good",
  "home",
  "house",
  "family",
  "friends",
  "players",
  "cluster",
  "stack",
  "thing",
  "stuff",
]);

// ---- networks -------------------------------------------------------------------------------

function networkByTag(spec: SpecV1, vlan: number): string | undefined {
  return Object.entries(spec.networks).find(([, n]) => n.vlan === vlan)?.[0];
}

/** The /24 for a new VLAN: 10.<vlan>.0.0/24 when free, else the first free 10.x.y.0/24. */
function subnetFor(spec: SpecV1, vlan: number): string {
  const taken = Object.values(spec.networks)
    .map((n) => parseCidr(n.subnet))
    .filter((c) => c !== undefined);
  const free = (text: string) => {
    const c = parseCidr(text);
    return c !== undefined && !taken.some((t) => cidrsOverlap(t, c));
  };
  const preferred = vlan <= 255 ? `10.${vlan}.0.0/24` : `10.${100 + Math.floor(vlan / 256)}.${vlan % 256}.0/24`;
  if (free(preferred)) return preferred;
  for (let x = 1; x < 255; x++) for (let y = 0; y < 256; y++) if (free(`10.${x}.${y}.0/24`)) return `10.${x}.${y}.0/24`;
  return preferred;
}

/** Creates a network in the draft, stating what was assumed; returns its name or undefined (question asked). */
function createNetwork(ctx: Ctx, opts: { vlan?: number; name?: string; purpose?: string }): string | undefined {
  const { f, draft } = ctx;
  const purpose = opts.purpose;
  let vlan = opts.vlan;
  if (vlan === undefined) {
    const wanted = purpose !== undefined ? (PURPOSES[purpose]?.vlan ?? 100) : 100;
    vlan = wanted;
    while (networkByTag(draft, vlan) !== undefined && vlan < 4094) vlan += vlan < 100 ? 10 : 1;
    ctx.assumptions.push(`no VLAN id given: using VLAN ${vlan}${purpose !== undefined ? ` for ${purpose}` : ""}`);
  }
  const existingByTag = networkByTag(draft, vlan);
  if (existingByTag !== undefined) {
    ctx.questions.push(`VLAN ${vlan} is already the network "${existingByTag}". Use it, or pick another VLAN id?`);
    return undefined;
  }
  // Without a purpose, conventional tags name the network (10 → servers, 30 → iot); others are vlan<N>.
  const byTag = purpose === undefined && opts.name === undefined ? Object.entries(PURPOSES).find(([, p]) => p.vlan === vlan)?.[0] : undefined;
  if (byTag !== undefined && draft.networks[byTag] === undefined) ctx.assumptions.push(`calling VLAN ${vlan} "${byTag}" (say "called <name>" to choose)`);
  let name = opts.name ?? purpose ?? (byTag !== undefined && draft.networks[byTag] === undefined ? byTag : `vlan${vlan}`);
  if (!isDnsLabel(name)) {
    ctx.questions.push(`"${name}" can't be a network name (use a-z, 0-9 and '-').`);
    return undefined;
  }
  if (draft.networks[name] !== undefined) {
    if (opts.name !== undefined) {
      ctx.questions.push(`A network named "${name}" already exists (VLAN ${draft.networks[name]?.vlan}). Use it, or choose another name?`);
      return undefined;
    }
    name = `${name}-${vlan}`;
  }
  const explicitSubnet = f.cidrs[0];
  const subnet = explicitSubnet ?? subnetFor(draft, vlan);
  const cidr = parseCidr(subnet);
  if (cidr === undefined) return undefined;
  const gateway = formatIpv4(cidr.base + 1);
  if (explicitSubnet === undefined) ctx.assumptions.push(`VLAN ${vlan} gets ${subnet} (gateway ${gateway}, DHCP on)`);
  const internet = !f.flags.noInternet;
  draft.networks[name] = {
    vlan,
    subnet,
    dhcp: { enabled: !f.flags.noDhcp, leaseSeconds: 86_400 },
    parentInterface: "igc1",
    internet,
    allowFrom: [],
    description: purpose !== undefined ? `${purpose} (VLAN ${vlan})` : `VLAN ${vlan}`,
  } as unknown as SpecV1["networks"][string];
  if (!internet) ctx.assumptions.push(`${name} gets no internet access`);
  ctx.assumptions.push(`${name} must be assigned on OPNsense by hand once (Interfaces → Assignments); the deployment checks it`);
  return name;
}

/**
 * The network a new thing goes on: the VLAN named, the network named, or the
 * one that fits its purpose; asks when it can't tell.
 */
function networkFor(ctx: Ctx, what: string, category: string | undefined): string | undefined {
  const { f, draft } = ctx;
  const tags = [...new Set(f.vlans)];
  if (tags.length > 1) {
    ctx.questions.push(`You named several VLANs (${tags.join(", ")}). Which one should ${what} go on?`);
    return undefined;
  }
  const named = f.refs.filter((r) => r.kind === "network").map((r) => r.name);
  const tag = tags[0];
  if (tag !== undefined) {
    const byTag = networkByTag(draft, tag);
    if (byTag !== undefined) return byTag;
    const purposeName = f.purpose ?? (category !== undefined ? CATEGORY_NETWORK[category] : undefined);
    return createNetwork(ctx, { vlan: tag, ...(purposeName !== undefined && draft.networks[purposeName] === undefined ? { purpose: purposeName } : {}) });
  }
  if (named.length === 1 && named[0] !== undefined) return named[0];
  if (named.length > 1) {
    ctx.questions.push(`Which network should ${what} go on: ${named.join(" or ")}?`);
    return undefined;
  }
  if (f.cidrs.length > 0) {
    ctx.questions.push(`Which VLAN id should ${f.cidrs[0]} use for ${what}? (e.g. "on VLAN 20")`);
    return undefined;
  }
  const names = Object.keys(draft.networks);
  const fitting = f.purpose ?? (category !== undefined ? CATEGORY_NETWORK[category] : undefined);
  if (fitting !== undefined && draft.networks[fitting] !== undefined) {
    ctx.assumptions.push(`no network given: putting ${what} on "${fitting}"`);
    return fitting;
  }
  if (names.length === 1 && names[0] !== undefined) {
    ctx.assumptions.push(`no network given: putting ${what} on "${names[0]}", the only network`);
    return names[0];
  }
  if (names.length === 0) {
    ctx.questions.push(`Which VLAN should ${what} run on? There are no networks yet; say e.g. "on VLAN 20".`);
  } else {
    ctx.questions.push(`Which network should ${what} run on: ${names.map((n) => `${n} (VLAN ${draft.networks[n]?.vlan})`).join(", ")}? Or name a new VLAN.`);
  }
  return undefined;
}

function addNetwork(ctx: Ctx): void {
  const { f } = ctx;
  const tags = [...new Set(f.vlans)];
  if (tags.length > 1) {
    ctx.questions.push(`You named several VLANs (${tags.join(", ")}). Which one should the new network use?`);
    return;
  }
  const name = f.name;
  if (name !== undefined && !isDnsLabel(name)) {
    ctx.questions.push(`"${name}" can't be a network name (use a-z, 0-9 and '-').`);
    return;
  }
  createNetwork(ctx, {
    ...(tags[0] !== undefined ? { vlan: tags[0] } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(f.purpose !== undefined ? { purpose: f.purpose } : {}),
  });
}

function networkChangeWanted(ctx: Ctx): boolean {
  const { f } = ctx;
  return f.flags.noDhcp || f.flags.dhcp || f.flags.noInternet || f.flags.internet || f.cidrs.length > 0 || (f.vlans.length > 0 && /\b(to|as)\b/.test(f.s));
}

function modifyNetwork(ctx: Ctx, name: string): void {
  const { f, draft } = ctx;
  const net = draft.networks[name];
  if (net === undefined) return;
  const newTag = f.vlans.find((v) => v !== net.vlan);
  if (newTag !== undefined) {
    const owner = networkByTag(draft, newTag);
    if (owner !== undefined) {
      ctx.questions.push(`VLAN ${newTag} is already used by "${owner}". Which VLAN should ${name} use?`);
      return;
    }
    net.vlan = newTag;
    ctx.assumptions.push(`${name} keeps its subnet ${net.subnet}; switch ports and the OPNsense assignment must follow the new tag`);
  }
  const subnet = f.cidrs[0];
  if (subnet !== undefined && subnet !== net.subnet) {
    net.subnet = subnet;
    // Recompute what followed the old subnet; static addresses must move too.
    const loose = net as unknown as { gateway?: string; dhcp: { start?: string; end?: string } };
    delete loose.gateway;
    delete loose.dhcp.start;
    delete loose.dhcp.end;
    for (const [svcName, svc] of Object.entries(draft.services)) {
      if (svc.network === name && svc.address !== undefined) {
        delete (svc as { address?: string }).address;
        ctx.assumptions.push(`${svcName} gets a new address in ${subnet}`);
      }
    }
    ctx.assumptions.push(`gateway and DHCP range of ${name} follow the new subnet`);
    pinMissingAddresses(ctx, name);
  }
  if (f.flags.noDhcp) net.dhcp.enabled = false;
  else if (f.flags.dhcp) net.dhcp.enabled = true;
  if (f.flags.noInternet) net.internet = false;
  else if (f.flags.internet) net.internet = true;
  if (JSON.stringify(net) === JSON.stringify(ctx.base.networks[name])) ctx.assumptions.push(`nothing to change on ${name}`);
}

// ---- services --------------------------------------------------------------------------------

function pinAddress(ctx: Ctx, service: string, network: string): void {
  const parsed = parseSpec(ctx.draft);
  const svc = ctx.draft.services[service];
  if (!parsed.ok || svc === undefined) return;
  // The parsed spec already has a fallback address for the service; pin the first one not held by others.
  const withoutThis = structuredClone(parsed.spec);
  delete withoutThis.services[service];
  const address = nextFreeAddress(withoutThis, network);
  if (address !== undefined) svc.address = address;
}

function pinMissingAddresses(ctx: Ctx, network: string): void {
  for (const [name, svc] of Object.entries(ctx.draft.services).sort(([a], [b]) => a.localeCompare(b))) {
    if (svc.network === network && svc.address === undefined) pinAddress(ctx, name, network);
  }
}

function freeServiceName(ctx: Ctx, wanted: string): string {
  if (ctx.draft.services[wanted] === undefined) return wanted;
  for (let i = 2; ; i++) if (ctx.draft.services[`${wanted}-${i}`] === undefined) return `${wanted}-${i}`;
}

/** Template ports, moved to the next free host port when another service publishes the same one. */
function portsFor(ctx: Ctx, service: string, template: Template): ServicePort[] {
  const taken = new Set(Object.values(ctx.draft.services).flatMap((s) => s.ports.map((p) => `${p.host}/${p.protocol}`)));
  const expose = ctx.f.flags.internal ? "network" : undefined;
  return template.ports.map((p) => {
    let host = p.host ?? p.container;
    while (taken.has(`${host}/${p.protocol}`) && host < 65535) host++;
    if (host !== (p.host ?? p.container))
      ctx.assumptions.push(`${p.host ?? p.container}/${p.protocol} is already published by another service: ${service} publishes it on ${host}`);
    taken.add(`${host}/${p.protocol}`);
    return { container: p.container, host, protocol: p.protocol, expose: expose ?? p.expose };
  });
}

function addServices(ctx: Ctx): void {
  const { f } = ctx;
  const byPlace = new Map<number, typeof f.templates>();
  for (const hit of f.templates) byPlace.set(hit.at, [...(byPlace.get(hit.at) ?? []), hit]);
  const chosen: Template[] = [];
  for (const hits of byPlace.values()) {
    if (hits.length > 1) {
      ctx.questions.push(`"${hits[0]?.text}" could be ${hits.map((h) => h.template.title).join(" or ")}. Which one?`);
      return;
    }
    const hit = hits[0];
    if (hit === undefined) continue;
    if (hit.typo) ctx.assumptions.push(`"${hit.text}" read as ${hit.template.title}`);
    if (!chosen.includes(hit.template)) chosen.push(hit.template);
  }
  if (chosen.length > 1 && (f.memoryMb.length > 0 || f.players.length > 0 || f.name !== undefined)) {
    ctx.questions.push(`Sizes and names apply to one service; you asked for ${chosen.map((t) => t.title).join(" and ")}. Please ask for them one at a time.`);
    return;
  }
  if (f.kinds.k8s) {
    for (const t of chosen) addKubernetesApp(ctx, t);
    return;
  }
  for (const t of chosen) {
    const existingName = Object.entries(ctx.draft.services).find(([, s]) => s.template === t.name)?.[0];
    if (existingName !== undefined && !f.verbs.another && f.name === undefined) {
      ctx.questions.push(
        `${t.title} already runs as "${existingName}". Say "add another ${t.serviceName ?? t.name}" for a second one, or e.g. "give ${existingName} 8GB" to change it.`,
      );
      return;
    }
    addService(ctx, t);
    if (ctx.questions.length > 0) return;
  }
}

function addService(ctx: Ctx, t: Template, companionOf?: { name: string; suffix: string; env: Record<string, string> }): string | undefined {
  const { f, draft } = ctx;
  const wanted = companionOf !== undefined ? `${companionOf.name}-${companionOf.suffix}` : (f.name ?? t.serviceName ?? t.name);
  if (!isDnsLabel(wanted)) {
    ctx.questions.push(`"${wanted}" can't be a service name (use a-z, 0-9 and '-').`);
    return undefined;
  }
  if (companionOf === undefined && f.name !== undefined && draft.services[f.name] !== undefined) {
    ctx.questions.push(`A service named "${f.name}" already exists. Choose another name?`);
    return undefined;
  }
  const name = freeServiceName(ctx, wanted);
  const network = companionOf !== undefined ? draft.services[companionOf.name]?.network : networkFor(ctx, name, t.category);
  if (network === undefined) return undefined;

  // Memory: explicit size, else players through the template's rule, else its default.
  let memoryMb = t.memory.defaultMb;
  const env: Record<string, string | { secret: string }> = { ...(companionOf?.env ?? {}) };
  const players = companionOf === undefined ? f.players[0] : undefined;
  const rule = t.memory.players;
  if (players !== undefined && rule === undefined) ctx.assumptions.push(`${t.title} has no player-based sizing; ignoring "${players} players"`);
  if (players !== undefined && rule !== undefined) {
    if (players > rule.max) {
      ctx.questions.push(`${players} players is more than the ${t.title} template supports (${rule.max}). How many players?`);
      return undefined;
    }
    memoryMb = memoryForPlayers(t, players);
    if (rule.env !== undefined) env[rule.env] = String(players);
    ctx.assumptions.push(
      `${mib(memoryMb)} for ${players} players (${mib(rule.baseMb)} + ${rule.perPlayerMb} MiB per player, rounded up to ${rule.stepMb} MiB)`,
    );
  }
  const explicit = companionOf === undefined ? f.memoryMb[0] : undefined;
  if (explicit !== undefined) {
    memoryMb = explicit;
    if (explicit < t.memory.minMb) ctx.assumptions.push(`${mib(explicit)} is below what ${t.title} usually needs (${mib(t.memory.minMb)})`);
  } else if (players === undefined && companionOf === undefined) {
    if (rule !== undefined) memoryMb = memoryForPlayers(t, rule.default);
    if (rule?.env !== undefined) env[rule.env] = String(rule.default);
    ctx.assumptions.push(`${mib(memoryMb)} memory (the ${t.title} default${rule !== undefined ? ` for ${rule.default} players` : ""})`);
  }
  for (const [envName, id] of Object.entries(t.secretEnv)) {
    const secretId = `${companionOf?.name ?? name}-${id}`;
    env[envName] = { secret: ctx.secret(secretId) };
    ctx.assumptions.push(`generated a random ${envName} for ${name} (stored as a secret)`);
  }
  const ports = portsFor(ctx, name, t);
  if (ctx.f.flags.public && companionOf === undefined && /\b(to|from|on) the (internet|world)\b|\bpublic(ly)?\b/.test(f.s)) {
    for (const p of ports) p.expose = "any";
    ctx.assumptions.push(`${name} is reachable from the internet: the firewall rule opens on WAN; the port forward is not created`);
  }
  const dns = companionOf === undefined ? f.dnsName : undefined;
  draft.services[name] = {
    template: t.name,
    network,
    memoryMb,
    ...(f.cores[0] !== undefined && companionOf === undefined ? { cpus: f.cores[0] } : {}),
    ports,
    env,
    ...(dns !== undefined ? { dns } : {}),
    restart: "unless-stopped",
    description: "",
  } as unknown as SpecV1["services"][string];
  pinAddress(ctx, name, network);
  const domain = draft.dns.domain;
  if (companionOf === undefined) {
    const exposure =
      ports.length === 0
        ? ""
        : `; ${ports.map((p) => `${p.host}/${p.protocol}`).join(", ")} open to ${ports[0]?.expose === "network" ? `${network} only` : ports[0]?.expose === "any" ? "the internet" : "the LAN"}`;
    ctx.assumptions.push(`${name} is reachable as ${dns ?? name}.${domain} at ${draft.services[name]?.address ?? "an assigned address"}${exposure}`);
  }
  for (const companion of t.companions) {
    const ct = ctx.catalog[companion.template];
    if (ct === undefined) continue;
    const companionEnv = Object.fromEntries(Object.entries(companion.env).map(([k, v]) => [k, v.replace(/\{\{name\}\}/g, name)]));
    const made = addService(ctx, ct, { name, suffix: companion.suffix, env: companionEnv });
    if (made !== undefined) ctx.assumptions.push(`${t.title} needs a database: added ${made} (${ct.title}) on ${network}`);
  }
  return name;
}

function addImageService(ctx: Ctx, image: string): void {
  const { f, draft } = ctx;
  const name =
    f.name ??
    image
      .split("/")
      .at(-1)
      ?.split(/[:@]/)[0]
      ?.replace(/[^a-z0-9-]/g, "-");
  if (name === undefined || !isDnsLabel(name)) {
    ctx.questions.push(`What should the service for ${image} be called? (say "called <name>")`);
    return;
  }
  if (draft.services[name] !== undefined) {
    ctx.questions.push(`A service named "${name}" already exists. Choose another name (say "called <name>")?`);
    return;
  }
  const network = networkFor(ctx, name, undefined);
  if (network === undefined) return;
  const ports = f.ports.map((p) => ({
    container: p.port,
    host: p.port,
    protocol: p.protocol ?? ("tcp" as const),
    expose: f.flags.internal ? ("network" as const) : ("lan" as const),
  }));
  if (ports.length === 0) ctx.assumptions.push(`no ports given: ${name} publishes nothing (say "open port N on ${name}")`);
  if (!image.includes(":") && !image.includes("@")) ctx.assumptions.push(`${image} has no tag; Docker will use :latest`);
  draft.services[name] = {
    image,
    network,
    memoryMb: f.memoryMb[0] ?? 512,
    ...(f.cores[0] !== undefined ? { cpus: f.cores[0] } : {}),
    ports,
    volumes: [],
    env: {},
    restart: "unless-stopped",
    description: "",
  } as unknown as SpecV1["services"][string];
  if (f.memoryMb[0] === undefined) ctx.assumptions.push(`512 MiB memory (default for images outside the catalog)`);
  pinAddress(ctx, name, network);
}

function modifyService(ctx: Ctx, name: string): void {
  const { f, draft } = ctx;
  const svc = draft.services[name];
  if (svc === undefined) return;
  const t = svc.template === undefined ? undefined : ctx.catalog[svc.template];
  let changed = false;

  const players = f.players[0];
  if (players !== undefined) {
    const rule = t?.memory.players;
    if (t === undefined || rule === undefined) {
      ctx.questions.push(`${name} has no player-based sizing. How much memory should it get? (e.g. "give ${name} 4GB")`);
      return;
    }
    if (players > rule.max) {
      ctx.questions.push(`${players} players is more than the ${t.title} template supports (${rule.max}). How many players?`);
      return;
    }
    if (f.memoryMb.length === 0) {
      svc.memoryMb = memoryForPlayers(t, players);
      ctx.assumptions.push(
        `${mib(svc.memoryMb)} for ${players} players (${mib(rule.baseMb)} + ${rule.perPlayerMb} MiB per player, rounded up to ${rule.stepMb} MiB)`,
      );
    }
    if (rule.env !== undefined) svc.env[rule.env] = String(players);
    changed = true;
  }
  const memory = f.memoryMb[0];
  if (memory !== undefined) {
    svc.memoryMb = memory;
    changed = true;
  }
  const cpus = f.cores[0];
  if (cpus !== undefined) {
    svc.cpus = cpus;
    changed = true;
  }
  if (f.dnsName !== undefined && f.dnsName !== svc.dns) {
    svc.dns = f.dnsName;
    changed = true;
  }
  // "move X to VLAN 30" / "move X to iot": the target is the named network that isn't X's own.
  const otherNetworks = f.refs.filter((r) => r.kind === "network" && r.name !== svc.network).map((r) => r.name);
  const newTag = f.vlans.find((v) => v !== draft.networks[svc.network]?.vlan);
  if (newTag !== undefined || (otherNetworks.length > 0 && /\b(move|migrate|put|switch|transfer|relocate)\b/.test(f.s))) {
    const target =
      newTag !== undefined
        ? (networkByTag(draft, newTag) ??
          createNetwork(ctx, { vlan: newTag, ...(f.purpose !== undefined && draft.networks[f.purpose] === undefined ? { purpose: f.purpose } : {}) }))
        : otherNetworks[0];
    if (target === undefined) return;
    const old = svc.network;
    svc.network = target;
    delete (svc as { address?: string }).address;
    pinAddress(ctx, name, target);
    ctx.assumptions.push(`${name} gets a new address on ${target}: ${svc.address ?? "assigned"}`);
    for (const [netName, net] of Object.entries(draft.networks)) {
      const before = net.allowFrom.length;
      net.allowFrom = net.allowFrom.filter((a) => a.service !== name);
      if (net.allowFrom.length !== before) ctx.notes.push(`removed the allowFrom rule on ${netName} that pointed at ${name} (it left ${old})`);
    }
    changed = true;
  }
  if (f.verbs.open || f.flags.public || f.flags.internal) {
    const expose = f.flags.internal ? "network" : f.flags.public ? "any" : undefined;
    if (expose !== undefined) {
      for (const p of svc.ports) p.expose = expose;
      if (expose === "any") ctx.assumptions.push(`the firewall rule opens on WAN; the port forward is not created`);
      changed = true;
    }
  }
  if (!changed) {
    if (f.verbs.add && t !== undefined)
      ctx.questions.push(
        `${t.title} already runs as "${name}". Say "add another ${t.serviceName ?? t.name}" for a second one, or what to change (e.g. "give ${name} 8GB").`,
      );
    else
      ctx.questions.push(
        `What should change about ${name}? For example "give ${name} 8GB", "give ${name} 2 cores", "move ${name} to VLAN 30" or "remove ${name}".`,
      );
  }
}

// ---- VMs, LXC, Kubernetes -------------------------------------------------------------------

function addMachine(ctx: Ctx, kind: "vm" | "lxc"): void {
  const { f, draft } = ctx;
  const group = kind === "vm" ? draft.vms : draft.lxc;
  const noun = kind === "vm" ? "VM" : "container";
  let name = f.name ?? f.templates[0]?.template.serviceName ?? f.templates[0]?.template.name;
  if (name === undefined) {
    let i = 1;
    while (group[`${kind}${i}`] !== undefined) i++;
    name = `${kind}${i}`;
    ctx.assumptions.push(`no name given: calling the ${noun} "${name}" (say "called <name>" to choose)`);
  }
  if (!isDnsLabel(name)) {
    ctx.questions.push(`"${name}" can't be a ${noun} name (use a-z, 0-9 and '-').`);
    return;
  }
  if (group[name] !== undefined) {
    ctx.questions.push(`A ${noun} named "${name}" already exists. Choose another name?`);
    return;
  }
  const network = networkFor(ctx, `the ${noun} ${name}`, undefined);
  if (network === undefined) return;
  const defaults = kind === "vm" ? { cores: 2, memoryMb: 2048, diskGb: 32 } : { cores: 1, memoryMb: 512, diskGb: 8 };
  const machine = {
    cores: f.cores[0] ?? defaults.cores,
    memoryMb: f.memoryMb[0] ?? defaults.memoryMb,
    diskGb: f.diskGb[0] ?? defaults.diskGb,
    network,
    description: "",
  };
  const missing = [
    f.cores[0] === undefined ? `${machine.cores} cores` : "",
    f.memoryMb[0] === undefined ? mib(machine.memoryMb) : "",
    f.diskGb[0] === undefined ? `${machine.diskGb} GB disk` : "",
  ].filter(Boolean);
  if (missing.length > 0) ctx.assumptions.push(`${noun} ${name}: default ${missing.join(", ")}`);
  const os = /\bubuntu(?: (\d\d\.\d\d))?\b/.exec(f.s);
  const debian = /\bdebian(?: (\d+))?\b/.exec(f.s);
  const image = os !== null ? `ubuntu-${os[1] ?? "24.04"}` : debian !== null ? `debian-${debian[1] ?? "12"}` : undefined;
  if (kind === "vm") {
    draft.vms[name] = { ...machine, image: image ?? "debian-12" } as SpecV1["vms"][string];
    if (image === undefined) ctx.assumptions.push(`VM image debian-12 (say e.g. "ubuntu" to change)`);
  } else {
    draft.lxc[name] = { ...machine, template: image !== undefined ? `${image}-standard` : "debian-12-standard" } as SpecV1["lxc"][string];
  }
}

function modifyMachine(ctx: Ctx): void {
  const { f, draft } = ctx;
  const ref = f.refs.find((r) => r.kind === "vm" || r.kind === "lxc");
  if (ref === undefined) return;
  const machine = ref.kind === "vm" ? draft.vms[ref.name] : draft.lxc[ref.name];
  if (machine === undefined) return;
  let changed = false;
  if (f.cores[0] !== undefined) (machine.cores = f.cores[0]), (changed = true);
  if (f.memoryMb[0] !== undefined) (machine.memoryMb = f.memoryMb[0]), (changed = true);
  if (f.diskGb[0] !== undefined) {
    if (f.diskGb[0] < machine.diskGb) {
      ctx.questions.push(
        `Shrinking ${ref.name}'s disk from ${machine.diskGb} GB to ${f.diskGb[0]} GB can lose data; bosun only grows disks. What size (≥ ${machine.diskGb} GB)?`,
      );
      return;
    }
    machine.diskGb = f.diskGb[0];
    changed = true;
  }
  const tag = f.vlans[0];
  if (tag !== undefined) {
    const target = networkByTag(draft, tag) ?? createNetwork(ctx, { vlan: tag });
    if (target === undefined) return;
    machine.network = target;
    delete (machine as { address?: string }).address;
    changed = true;
  }
  if (!changed) ctx.questions.push(`What should change about ${ref.name}? For example "give ${ref.name} 4 cores" or "resize ${ref.name} to 100GB disk".`);
}

function addKubernetesApp(ctx: Ctx, t: Template): void {
  const name = ctx.f.name ?? t.serviceName ?? t.name;
  if (ctx.draft.kubernetes.apps[name] !== undefined) {
    ctx.questions.push(`A Kubernetes app named "${name}" already exists. Choose another name?`);
    return;
  }
  const namespace = /\bnamespace ([a-z0-9][a-z0-9-]*)\b/.exec(ctx.f.s)?.[1] ?? "default";
  ctx.draft.kubernetes.apps[name] = { image: t.image, namespace };
  ctx.assumptions.push(`${name} runs on Kubernetes from image ${t.image} in namespace ${namespace}`);
}

// ---- DNS and certificates -----------------------------------------------------------------

function changeDomain(ctx: Ctx): void {
  const domain = ctx.f.fqdns.at(-1);
  if (domain === undefined) {
    ctx.questions.push(`Which domain should bosun use (e.g. "home.arpa" or "lab.example.com")?`);
    return;
  }
  ctx.draft.dns.domain = domain;
}

function addDnsRecord(ctx: Ctx): void {
  const { f, draft } = ctx;
  const domain = draft.dns.domain;
  const host =
    f.fqdns.find((h) => h.endsWith(`.${domain}`))?.slice(0, -(domain.length + 1)) ??
    /\b(?:record|entry|override|point|alias|cname)(?: for)? ([a-z0-9][a-z0-9-]*)\b/.exec(f.s)?.[1] ??
    f.name;
  if (host === undefined || !isDnsLabel(host) || ["to", "a", "an", "the"].includes(host)) {
    ctx.questions.push(`Which name should the DNS record have (e.g. "nas.${domain}")?`);
    return;
  }
  const address = f.addresses[0];
  const cname = /\b(?:cname|alias)\b/.test(f.s) ? /\bto ([a-z0-9][a-z0-9.-]*[a-z0-9])\b/.exec(f.s)?.[1] : undefined;
  if (address === undefined && cname === undefined) {
    ctx.questions.push(`What should ${host}.${domain} point to? Give an address (e.g. "to 10.20.0.5").`);
    return;
  }
  const record =
    cname !== undefined && address === undefined
      ? { name: host, type: "CNAME" as const, value: cname }
      : { name: host, type: "A" as const, value: address ?? "" };
  if (draft.dns.records.some((r) => r.name === host)) {
    draft.dns.records = draft.dns.records.map((r) => (r.name === host ? record : r));
  } else {
    draft.dns.records.push(record);
  }
}

function addCertificate(ctx: Ctx): void {
  const { f, draft } = ctx;
  const domain = draft.dns.domain;
  const serviceNames = f.refs.filter((r) => r.kind === "service").map((r) => draft.services[r.name]?.dns ?? r.name);
  const names = [...new Set([...f.fqdns, ...serviceNames.map((n) => `${n}.${domain}`)])];
  if (names.length === 0) {
    ctx.questions.push(`Which names should the certificate cover (e.g. "minecraft.${domain}")?`);
    return;
  }
  const issuer = /\bstaging\b/.test(f.s) ? "acme-staging" : /\b(let'?s? ?encrypt|letsencrypt|acme|public|trusted|real)\b/.test(f.s) ? "acme" : "self-signed";
  if (issuer !== "self-signed") {
    const privateName = names.find((n) => isPrivateDomain(n.replace(/^\*\./, "")));
    if (privateName !== undefined) {
      ctx.questions.push(
        `Let's Encrypt can't issue for ${privateName}: it is a private name. Use a public domain you own, or ask for a self-signed certificate.`,
      );
      return;
    }
  } else {
    ctx.assumptions.push(`self-signed certificate (say "Let's Encrypt" for a public one)`);
  }
  const outside = names.filter((n) => n !== domain && !n.endsWith(`.${domain}`));
  const name = f.name ?? names[0]?.replace(/^\*\./, "wildcard.").split(".")[0] ?? "cert";
  if (draft.certificates[name] !== undefined) {
    ctx.questions.push(`A certificate named "${name}" already exists (${draft.certificates[name]?.dnsNames.join(", ")}). Replace it, or choose another name?`);
    return;
  }
  if (outside.length > 0) ctx.assumptions.push(`${outside.join(", ")} is outside ${domain}: allowed explicitly (outsideDomain)`);
  draft.certificates[name] = { dnsNames: names, issuer, outsideDomain: outside.length > 0 };
}

// ---- firewall: allow, deny, open, close ---------------------------------------------------------

/** Source and destination of "allow A to reach B" / "allow access from A to B" / "block A from B". */
function flowEnds(ctx: Ctx): { from?: string; to?: Ref } {
  const { f } = ctx;
  const refs = f.refs.filter((r) => r.kind === "network" || r.kind === "service");
  const sourceWords: { name: string; at: number }[] = [];
  f.ws.forEach((w, i) => {
    if (w === "lan" || w === "lans") sourceWords.push({ name: "lan", at: i });
    if (w === "anyone" || w === "anywhere" || w === "everyone" || w === "everything") sourceWords.push({ name: "any", at: i });
  });
  for (const c of f.cidrs) sourceWords.push({ name: c, at: f.ws.indexOf(c) });
  // "from X" marks a source, but "block A from reaching B" keeps A as the source.
  const fromIndex = f.ws.findIndex(
    (w, i) => w === "from" && !/^(reaching|accessing|talking|getting|connecting|seeing|using|contacting)$/.test(f.ws[i + 1] ?? ""),
  );
  const ends: { name: string; at: number; ref?: Ref }[] = [...refs.map((r) => ({ name: r.name, at: r.at, ref: r })), ...sourceWords].sort(
    (a, b) => a.at - b.at,
  );
  if (ends.length === 0) return {};
  // "from X" marks the source wherever it is; otherwise the first mention is the source.
  const source = fromIndex >= 0 ? (ends.find((e) => e.at > fromIndex) ?? ends[0]) : ends[0];
  const dest = ends.find((e) => e !== source && e.ref !== undefined);
  return { ...(source !== undefined ? { from: source.name } : {}), ...(dest?.ref !== undefined ? { to: dest.ref } : {}) };
}

function allow(ctx: Ctx): void {
  const { f, draft } = ctx;
  if (f.flags.internet && !/\b(reach|access|talk|connect)\b/.test(f.s.replace(/internet access/, ""))) {
    const net = f.refs.find((r) => r.kind === "network");
    if (net !== undefined) return modifyNetwork(ctx, net.name);
  }
  const { from, to } = flowEnds(ctx);
  const ends = f.refs.filter((r) => r.kind === "network" || r.kind === "service").length;
  if (ends <= 1 && f.purpose !== undefined && draft.networks[f.purpose] === undefined) {
    ctx.questions.push(
      `There is no ${f.purpose} network yet. Create it first (e.g. "add a ${f.purpose} network on VLAN ${PURPOSES[f.purpose]?.vlan ?? 100}"), then allow it.`,
    );
    return;
  }
  if (from === undefined || to === undefined) {
    ctx.questions.push(
      `Allow what to reach what? Name both ends, e.g. "allow guests to reach minecraft" or "allow iot to reach the servers VLAN on port 1883".`,
    );
    return;
  }
  const targetNetwork = to.kind === "service" ? draft.services[to.name]?.network : to.name;
  const net = targetNetwork === undefined ? undefined : draft.networks[targetNetwork];
  if (net === undefined || targetNetwork === undefined) return;
  if (from === targetNetwork) {
    ctx.assumptions.push(`${from} and ${to.name} are on the same network: traffic between them never crosses the firewall`);
    return;
  }
  if (from !== "lan" && from !== "any" && draft.networks[from] === undefined && parseCidr(from) === undefined) {
    ctx.questions.push(`"${from}" is not a network here. Which network should be allowed?`);
    return;
  }
  let ports = f.ports.map((p) => `${p.end !== undefined ? `${p.port}-${p.end}` : p.port}/${p.protocol ?? "tcp"}`);
  if (f.ports.some((p) => p.protocol === undefined)) ctx.assumptions.push(`ports without a protocol are TCP`);
  if (ports.length === 0 && to.kind === "service") {
    ports = (draft.services[to.name]?.ports ?? []).map((p) => `${p.host}/${p.protocol}`);
    ctx.assumptions.push(`allowing ${to.name}'s published ports (${ports.join(", ") || "none"})`);
  } else if (ports.length === 0) {
    ctx.assumptions.push(`all ports (say "on port N" to narrow it)`);
  }
  const entry = { from, ports, ...(to.kind === "service" ? { service: to.name } : {}), description: "" };
  const same = net.allowFrom.find((a) => a.from === from && a.service === entry.service && JSON.stringify(a.ports) === JSON.stringify(ports));
  if (same !== undefined) {
    ctx.assumptions.push(`${from} can already reach ${to.name}; nothing to change`);
    return;
  }
  net.allowFrom.push(entry);
}

function deny(ctx: Ctx): void {
  const { f, draft } = ctx;
  const networks = f.refs.filter((r) => r.kind === "network");
  if (
    f.flags.noInternet ||
    /\b(from|to) (the )?internet\b/.test(f.s) ||
    (/\bisolate\b/.test(f.s) && networks.length === 1 && f.refs.filter((r) => r.kind === "service").length === 0)
  ) {
    const target = networks[0];
    if (target === undefined) {
      ctx.questions.push(`Which network should lose internet access?`);
      return;
    }
    const net = draft.networks[target.name];
    if (net === undefined) return;
    net.internet = false;
    if (/\bisolate\b/.test(f.s)) {
      const inbound = net.allowFrom.length;
      net.allowFrom = [];
      if (inbound > 0) ctx.notes.push(`removed ${inbound} allowFrom rule(s) into ${target.name}`);
      for (const [otherName, other] of Object.entries(draft.networks)) {
        const before = other.allowFrom.length;
        other.allowFrom = other.allowFrom.filter((a) => a.from !== target.name);
        if (other.allowFrom.length !== before) ctx.notes.push(`removed ${target.name}'s access to ${otherName}`);
      }
    }
    return;
  }
  const { from, to } = flowEnds(ctx);
  if (from === undefined || to === undefined) {
    ctx.questions.push(`Block what from reaching what? Name both ends, e.g. "block guests from reaching the gaming VLAN".`);
    return;
  }
  const targetNetwork = to.kind === "service" ? draft.services[to.name]?.network : to.name;
  const net = targetNetwork === undefined ? undefined : draft.networks[targetNetwork];
  if (net === undefined) return;
  const before = net.allowFrom.length;
  net.allowFrom = net.allowFrom.filter((a) => !(a.from === from && (to.kind === "network" || a.service === to.name || a.service === undefined)));
  if (net.allowFrom.length === before) {
    const published = to.kind === "service" && (draft.services[to.name]?.ports ?? []).some((p) => p.expose === "lan" || p.expose === "any");
    if (published)
      ctx.questions.push(
        `${to.name}'s ports are open to the whole LAN, so ${from} can reach it. Make ${to.name} reachable only inside ${targetNetwork}? (say "make ${to.name} private")`,
      );
    else ctx.assumptions.push(`${from} already can't reach ${to.name}: segments are isolated unless allowed`);
  }
}

function openPort(ctx: Ctx): void {
  const { f, draft } = ctx;
  const name = f.refs.find((r) => r.kind === "service")?.name;
  const svc = name === undefined ? undefined : draft.services[name];
  if (svc === undefined || name === undefined) return;
  const targets = f.refs.filter((r) => r.kind === "network" && r.name !== svc.network).map((r) => r.name);
  const expose: ServicePort["expose"] = targets.length > 0 ? targets : f.flags.public ? "any" : "lan";
  if (expose === "any") ctx.assumptions.push(`the firewall rule opens on WAN; the port forward is not created`);
  if (f.ports.length === 0) {
    for (const p of svc.ports) p.expose = expose;
    if (svc.ports.length === 0) ctx.questions.push(`${name} publishes no ports. Which port should I open (e.g. "open port 8080 on ${name}")?`);
    return;
  }
  for (const mention of f.ports) {
    if (mention.end !== undefined) {
      ctx.questions.push(`Open the ports one at a time for a service (${mention.port}-${mention.end} is a range).`);
      return;
    }
    const protocol = mention.protocol ?? "tcp";
    if (mention.protocol === undefined) ctx.assumptions.push(`port ${mention.port} is TCP (say "/udp" otherwise)`);
    const current = svc.ports.find((p) => (p.host === mention.port || p.container === mention.port) && p.protocol === protocol);
    if (current !== undefined) current.expose = expose;
    else svc.ports.push({ container: mention.port, host: mention.port, protocol, expose });
  }
}

function closePort(ctx: Ctx): void {
  const { f, draft } = ctx;
  const services = f.refs.filter((r) => r.kind === "service").map((r) => r.name);
  let closed = false;
  for (const [name, svc] of Object.entries(draft.services)) {
    if (services.length > 0 && !services.includes(name)) continue;
    for (const p of svc.ports) {
      if (f.ports.some((m) => (m.port === p.host || m.port === p.container) && (m.protocol === undefined || m.protocol === p.protocol))) {
        p.expose = "network";
        closed = true;
      }
    }
  }
  if (!closed) ctx.questions.push(`No service publishes port ${f.ports.map((p) => p.port).join(", ")}. Which service did you mean?`);
  else ctx.assumptions.push(`closed ports stay reachable inside their own network`);
}

// ---- removal ---------------------------------------------------------------------------------

function remove(ctx: Ctx): void {
  const { f, draft } = ctx;
  if (f.flags.everything) {
    ctx.questions.push(`Removing everything needs to be explicit: name the networks or services to remove (e.g. "remove the gaming VLAN").`);
    return;
  }
  let refs = f.refs.filter((r) => r.kind !== "certificate" || f.kinds.certificate);
  if (f.kinds.dnsRecord) {
    const host = f.fqdns[0]?.split(".")[0] ?? /\brecord (?:for )?([a-z0-9-]+)/.exec(f.s)?.[1];
    const before = draft.dns.records.length;
    draft.dns.records = draft.dns.records.filter((r) => r.name !== host);
    if (draft.dns.records.length === before)
      ctx.questions.push(`There is no DNS record named "${host ?? ""}". Records: ${draft.dns.records.map((r) => r.name).join(", ") || "none"}.`);
    return;
  }
  if (f.kinds.certificate) refs = refs.filter((r) => r.kind === "certificate" || r.kind === "service");
  if (refs.length === 0) {
    const unknown = f.ws.find(
      (w) => /^[a-z][a-z0-9-]{2,}$/.test(w) && !STOPWORDS.has(w) && !/^(remove|delete|tear|down|destroy|rid|drop|uninstall|vlan|the|service|network)$/.test(w),
    );
    const everything = [...Object.keys(draft.services), ...Object.keys(draft.networks), ...Object.keys(draft.vms), ...Object.keys(draft.lxc)];
    ctx.questions.push(
      everything.length === 0
        ? `There is nothing to remove yet.`
        : `I couldn't find ${unknown !== undefined ? `"${unknown}"` : "what to remove"}${unknown !== undefined ? didYouMean(unknown, everything) : ""}. What should I remove? (${everything.join(", ")})`,
    );
    return;
  }
  // A network mentioned only as the place of a named service ("remove minecraft from gaming") is not a target.
  const services = refs.filter((r) => r.kind === "service");
  const targets = services.length > 0 && !/\b(vlan|network|segment)\b/.test(f.s) ? refs.filter((r) => r.kind !== "network") : refs;
  for (const ref of targets) {
    if (ref.kind === "service") removeService(ctx, ref.name, undefined);
    else if (ref.kind === "network") removeNetwork(ctx, ref.name);
    else if (ref.kind === "vm") delete draft.vms[ref.name];
    else if (ref.kind === "lxc") delete draft.lxc[ref.name];
    else if (ref.kind === "k8s") delete draft.kubernetes.apps[ref.name];
    else if (ref.kind === "certificate") delete draft.certificates[ref.name];
  }
  if (f.kinds.certificate && services.length > 0) {
    for (const [certName, cert] of Object.entries(draft.certificates)) {
      const svcNames = services.map((s) => `${draft.services[s.name]?.dns ?? s.name}.${draft.dns.domain}`);
      if (cert.dnsNames.some((n) => svcNames.includes(n))) delete draft.certificates[certName];
    }
  }
}

function removeService(ctx: Ctx, name: string, because: string | undefined): void {
  const { draft } = ctx;
  const svc = draft.services[name];
  if (svc === undefined) return;
  delete draft.services[name];
  if (because !== undefined) {
    ctx.notes.push(`remove service ${name} (${because})`);
    ctx.assumptions.push(`${name} ran on ${svc.network}, so it goes too (move it first to keep it: "move ${name} to VLAN N")`);
  }
  // Companions (WordPress's database) belong to their app.
  const t = svc.template === undefined ? undefined : ctx.catalog[svc.template];
  for (const companion of t?.companions ?? []) {
    const companionName = `${name}-${companion.suffix}`;
    if (draft.services[companionName] !== undefined) {
      delete draft.services[companionName];
      ctx.notes.push(`remove service ${companionName} (${name}'s ${companion.template} companion; Docker keeps its data volume)`);
    }
  }
  for (const [netName, net] of Object.entries(draft.networks)) {
    const before = net.allowFrom.length;
    net.allowFrom = net.allowFrom.filter((a) => a.service !== name);
    if (net.allowFrom.length !== before) ctx.notes.push(`removed the allowFrom rule on ${netName} for ${name}`);
  }
}

function removeNetwork(ctx: Ctx, name: string): void {
  const { draft } = ctx;
  if (draft.networks[name] === undefined) return;
  delete draft.networks[name];
  for (const [svcName, svc] of Object.entries(draft.services)) if (svc.network === name) removeService(ctx, svcName, `it ran on ${name}`);
  for (const [vmName, vm] of Object.entries(draft.vms)) {
    if (vm.network === name) {
      delete draft.vms[vmName];
      ctx.notes.push(`remove VM ${vmName} (it ran on ${name})`);
    }
  }
  for (const [ctName, ct] of Object.entries(draft.lxc)) {
    if (ct.network === name) {
      delete draft.lxc[ctName];
      ctx.notes.push(`remove container ${ctName} (it ran on ${name})`);
    }
  }
  for (const [otherName, other] of Object.entries(draft.networks)) {
    const before = other.allowFrom.length;
    other.allowFrom = other.allowFrom.filter((a) => a.from !== name);
    if (other.allowFrom.length !== before) ctx.notes.push(`removed ${name}'s access to ${otherName}`);
  }
  for (const [svcName, svc] of Object.entries(draft.services)) {
    for (const p of svc.ports) {
      if (Array.isArray(p.expose) && p.expose.includes(name)) {
        const rest = p.expose.filter((n) => n !== name);
        p.expose = rest.length > 0 ? rest : "network";
        ctx.notes.push(`${svcName}'s port ${p.host}/${p.protocol} is no longer exposed to ${name}`);
      }
    }
  }
}
