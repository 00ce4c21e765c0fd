// Reading facts out of a sentence: quantities, VLAN ids, ports, addresses,
// names. Regular expressions over normalized text only; nothing here is ever
// executed or passed to a shell or API path.

/** Longest input the offline translator reads (longer text is refused, not truncated). */
export const MAX_TEXT_LENGTH = 1000;

const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  hundred: 100,
  dozen: 12,
};

/** Lower case, plain ASCII punctuation, number words as digits, single spaces. */
export function normalize(text: string): string {
  let s = text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u2013\u2014]/g, "-")
    .replace(/'s\b/g, "");
  s = s.replace(/[^a-z0-9./:'\- ]+/g, " ");
  s = s.replace(/\b(?:a\s+)?couple(?:\s+of)?\b/g, "2").replace(/\ba dozen\b/g, "12");
  s = s.replace(/\b[a-z]+\b/g, (w) => (NUMBER_WORDS[w] === undefined ? w : String(NUMBER_WORDS[w])));
  // "4gb" → "4 gb", "vlan20" → "vlan 20", "20gigs" → "20 gigs".
  s = s.replace(/\b(\d+(?:\.\d+)?)([a-z]+)\b/g, "$1 $2").replace(/\bvlan(\d+)\b/g, "vlan $1");
  // Sentence punctuation, but keep dots inside names and addresses.
  s = s.replace(/[.:]+(\s|$)/g, " ").replace(/\s'|'\s/g, " ");
  return s.replace(/\s+/g, " ").trim();
}

export function words(normalized: string): string[] {
  return normalized.split(" ").filter((w) => w !== "");
}

/** Units → MiB (memory) or GB (disk). */
const SIZE_UNITS: [RegExp, number][] = [
  [/^(tb|tib|tera|terabytes?|tbs)$/, 1024 * 1024],
  [/^(gb|gib|g|gig|gigs|gigabytes?|gbs|giga)$/, 1024],
  [/^(mb|mib|m|meg|megs|megabytes?|mbs)$/, 1],
];
const DISK_WORDS = /^(disk|disks|storage|ssd|hdd|drive|space|volume|root)$/;
const MEMORY_WORDS = /^(ram|memory|mem)$/;

/** A size mentioned in the text, in MiB, with what it is about. */
export interface Size {
  mb: number;
  kind: "memory" | "disk";
  text: string;
}

export function sizes(ws: readonly string[]): Size[] {
  const out: Size[] = [];
  for (let i = 0; i < ws.length - 1; i++) {
    const amount = Number(ws[i]);
    const unit = ws[i + 1] ?? "";
    const factor = SIZE_UNITS.find(([re]) => re.test(unit))?.[1];
    if (!Number.isFinite(amount) || factor === undefined) continue;
    // Look a few words around for "disk" or "ram" (words after win: "50 GB of disk").
    const after = ws.slice(i + 2, i + 5);
    const before = ws.slice(Math.max(0, i - 3), i);
    const isDisk = after.some((w) => DISK_WORDS.test(w))
      ? !after
          .slice(
            0,
            after.findIndex((w) => DISK_WORDS.test(w)),
          )
          .some((w) => MEMORY_WORDS.test(w))
      : before.some((w) => DISK_WORDS.test(w)) && !after.some((w) => MEMORY_WORDS.test(w));
    out.push({ mb: Math.round(amount * factor), kind: isDisk ? "disk" : "memory", text: `${ws[i]} ${unit}` });
  }
  return out;
}

function numbersBefore(ws: readonly string[], nouns: RegExp): number[] {
  const out: number[] = [];
  ws.forEach((w, i) => {
    if (i > 0 && nouns.test(w) && /^\d+$/.test(ws[i - 1] ?? "")) out.push(Number(ws[i - 1]));
  });
  return out;
}

export function cores(ws: readonly string[]): number[] {
  return numbersBefore(ws, /^(v?cpus?|v?cores?|threads?|processors?|vcpu)$/);
}

/** "player limit", "max players", "player slots": the template setting behind a player count. */
export const PLAYER_SETTING = /\b(?:player (?:limit|cap|count|slots?|maximum|max)|max(?:imum)? (?:number of )?players|players? limit|slot count)\b/;

export function players(ws: readonly string[], s: string): number[] {
  const found = numbersBefore(ws, /^(players?|people|persons?|friends|users|slots|kids|gamers|buddies|mates)$/);
  const max = /\bmax(?:imum)? (?:of )?(\d+) players\b|\bmax players (\d+)\b/.exec(s);
  if (found.length === 0 && max !== null) found.push(Number(max[1] ?? max[2]));
  // "raise the player limit on minecraft to 15", "set max players for terraria at 16".
  const setting = new RegExp(`${PLAYER_SETTING.source}(?: (?:on|of|for|in) (?:the )?[a-z0-9-]+(?: server)?)?(?: (?:to|at|of|=|is))? (\\d+)\\b`).exec(s);
  if (found.length === 0 && setting !== null) found.push(Number(setting[1]));
  return found;
}

/** VLAN ids after "vlan", "vlan id", "vlan tag", "tag". */
export function vlanIds(s: string): number[] {
  return [...s.matchAll(/\b(?:vlan|vlans|tag)(?: id| tag| number| no)?\s*#?\s*(\d+)\b/g)].map((m) => Number(m[1]));
}

export interface PortMention {
  port: number;
  end?: number;
  protocol?: "tcp" | "udp";
}

export function portMentions(s: string): PortMention[] {
  const out: PortMention[] = [];
  const seen = new Set<string>();
  const add = (p: PortMention) => {
    const key = `${p.port}-${p.end}-${p.protocol}`;
    if (!seen.has(key)) out.push(p);
    seen.add(key);
  };
  for (const m of s.matchAll(/\b(tcp|udp)?\s*ports? (\d+)(?:\s*-\s*(\d+))?(?:\s*\/\s*|\s)?(tcp|udp)?\b/g)) {
    const protocol = (m[4] ?? m[1]) as "tcp" | "udp" | undefined;
    add({ port: Number(m[2]), ...(m[3] !== undefined ? { end: Number(m[3]) } : {}), ...(protocol !== undefined ? { protocol } : {}) });
  }
  // "udp 9987": a protocol right before a number is a port too.
  for (const m of s.matchAll(/\b(tcp|udp) (\d+)\b/g)) add({ port: Number(m[2]), protocol: m[1] as "tcp" | "udp" });
  for (const m of s.matchAll(/\b(\d+)(?:-(\d+))?\s*\/\s*(tcp|udp)\b/g)) {
    add({ port: Number(m[1]), ...(m[2] !== undefined ? { end: Number(m[2]) } : {}), protocol: m[3] as "tcp" | "udp" });
  }
  return out;
}

export function cidrs(s: string): string[] {
  return [...s.matchAll(/\b(\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2})\b/g)].map((m) => m[1] ?? "");
}

/** Addresses not part of a CIDR. */
export function addresses(s: string): string[] {
  return [...s.matchAll(/\b(\d{1,3}(?:\.\d{1,3}){3})\b(?!\/)/g)].map((m) => m[1] ?? "");
}

/** Host names with a dot ("nas.home.arpa", "cloud.example.com"); not addresses. */
export function fqdns(s: string): string[] {
  return [...s.matchAll(/\b((?:\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)\b/g)]
    .map((m) => m[1] ?? "")
    .filter((h) => !/^[\d.]+$/.test(h) && /[a-z]/.test(h.split(".").at(-1) ?? ""));
}

/** The name after "called", "named", "name it": the only place free text becomes a name (DNS-label-checked later). */
export function explicitName(s: string): string | undefined {
  return /\b(?:called|named|name it|name:)\s+'?([^\s']+)/.exec(s)?.[1];
}
