// Everything the translator reads from one request, gathered once.
import type { SpecV1 } from "../../../stacks/model/index.ts";
import { serviceAddresses } from "../../../stacks/model/mapping.ts";
import type { TemplateCatalog } from "../../../stacks/templates/catalog.ts";
import { findRefs, findTemplates, purposeOf } from "./match.ts";
import type { Folded, Ref, TemplateHit } from "./match.ts";
import { PLAYER_SETTING, addresses, cidrs, cores, explicitName, fqdns, normalize, players, portMentions, sizes, vlanIds, words } from "./text.ts";
import type { PortMention } from "./text.ts";
import { COMMON, NETWORK_WORDS, PURPOSE_WORDS, STOPWORDS, VERB_WORDS, isContentWord } from "./vocabulary.ts";

/** What a request says, as data. */
export interface Facts {
  s: string;
  ws: string[];
  memoryMb: number[];
  diskGb: number[];
  cores: number[];
  players: number[];
  vlans: number[];
  ports: PortMention[];
  cidrs: string[];
  addresses: string[];
  fqdns: string[];
  name?: string;
  purpose?: string;
  /** What a new network is for, beyond a known purpose: "a VLAN 36 for the printers" → "printers". */
  networkName?: string;
  templates: TemplateHit[];
  /** Loose words read as describing a product named in the sentence ("postgres for my blog"). */
  folded: Folded[];
  /** Templates not deployed yet (all of them after "another"). */
  newTemplates: TemplateHit[];
  /** Existing things named, including services named by their address. */
  refs: Ref[];
  /** Addresses that no service holds. */
  strayAddresses: string[];
  image?: string;
  /** Words after "dns name"/"hostname"/"reachable at"/"call it". */
  dnsName?: string;
  verbs: { remove: boolean; deny: boolean; allow: boolean; open: boolean; close: boolean; modify: boolean; add: boolean; another: boolean };
  kinds: { certificate: boolean; dnsRecord: boolean; cname: boolean; vm: boolean; lxc: boolean; k8s: boolean; network: boolean; domain: boolean };
  flags: {
    noInternet: boolean;
    internet: boolean;
    noDhcp: boolean;
    dhcp: boolean;
    public: boolean;
    internal: boolean;
    everything: boolean;
    /** "each", "both", "apiece": a size applies to every service named. */
    each: boolean;
    /** The request names a template setting ("player limit"), not only a number. */
    playerSetting: boolean;
    /** "a vlan …", "a new network": a network that does not exist yet. */
    aNetwork: boolean;
  };
}

const test = (re: RegExp, s: string) => re.test(s);

/** "shouldn't reach", "must not be able to access", "can't talk to": a block. */
const NEGATED_REACH = /\b(shouldn'?t|should not|must not|mustn'?t|can'?t|cannot|may not)( be able to)? (reach|access|talk|connect|see)\b/;

export function readFacts(text: string, spec: SpecV1, catalog: TemplateCatalog): Facts {
  const s = normalize(text);
  const ws = words(s);
  const sz = sizes(ws);
  const name = explicitName(s);
  // Existing names are refs, not templates ("give pihole more ram" names the service).
  const { hits: templates, folded } = findTemplates(ws, catalog, new Set([...Object.keys(spec.networks), ...(name !== undefined ? [name] : [])]));
  const hosts = fqdns(s);
  // Words inside host names are not purposes ("media.home.arpa" is not the media VLAN).
  const purpose = purposeOf(hosts.reduce((text, h) => text.replace(h, " "), s));
  const owned = addressOwners(spec);
  const mentioned = addresses(s);
  const refs = findRefs(ws, spec, templates);
  for (const address of mentioned) {
    const owner = owned.get(address);
    if (owner !== undefined && !refs.some((r) => r.kind === "service" && r.name === owner))
      refs.push({ kind: "service", name: owner, at: ws.indexOf(address) });
  }
  refs.sort((a, b) => a.at - b.at);
  const another = test(/\b(another|second|2nd|additional|extra|one more)\b/, s);
  const networkName = templates.length === 0 ? purposeName(ws, name) : undefined;
  const image = /\bimage ([a-z0-9][a-z0-9._/:@-]*[a-z0-9])/.exec(s)?.[1];
  const dnsName =
    /\b(?:dns name|hostname|host name|dns)(?: to| as| of| is)? ([a-z0-9][a-z0-9-]*)(?:\.|\b)/.exec(s)?.[1] ??
    /\b(?:reachable|available|accessible) (?:at|as|on) ([a-z0-9][a-z0-9-]*)\./.exec(s)?.[1];

  return {
    s,
    ws,
    memoryMb: sz.filter((x) => x.kind === "memory").map((x) => x.mb),
    diskGb: sz.filter((x) => x.kind === "disk").map((x) => Math.max(1, Math.round(x.mb / 1024))),
    cores: cores(ws),
    players: players(ws, s),
    vlans: vlanIds(s),
    ports: portMentions(s),
    cidrs: cidrs(s),
    addresses: mentioned,
    fqdns: hosts,
    ...(name !== undefined ? { name } : {}),
    ...(purpose !== undefined ? { purpose } : {}),
    ...(networkName !== undefined ? { networkName } : {}),
    templates,
    folded,
    newTemplates: templates.filter((h) => another || !Object.values(spec.services).some((svc) => svc.template === h.template.name)),
    refs,
    strayAddresses: mentioned.filter((a) => !owned.has(a)),
    ...(image !== undefined ? { image } : {}),
    ...(dnsName !== undefined && dnsName !== "record" && dnsName !== "records" && dnsName !== "entry" ? { dnsName } : {}),
    verbs: {
      remove: test(
        /\b(remove|delete|tear down|teardown|tear|destroy|get rid of|drop|uninstall|decommission|take down|nuke|scrap|kill|deprovision|wipe|purge|no longer need|dont need|don't need|trash|ditch|rip out)\b/,
        s,
      ),
      deny:
        test(/\b(block|deny|isolate|forbid|prevent|disallow|cut off|cut [a-z0-9 -]+ off|stop [a-z0-9 -]+ from|keep [a-z0-9 -]+ (off|away from|out of))\b/, s) ||
        test(NEGATED_REACH, s),
      // "shouldn't be able to reach" is not an allow.
      allow: test(
        /\b(allow|permit|let|grant)\b|\b(can|should be able to|able to) (reach|access|talk|connect|see)\b/,
        s.replace(new RegExp(NEGATED_REACH, "g"), " "),
      ),
      open: test(/\b(open|expose|publish|forward|unblock)\b/, s),
      close: test(/\b(close|unpublish|unexpose|hide)\b/, s),
      modify: test(
        /\b(give|set|change|move|increase|bump|raise|resize|lower|reduce|decrease|upgrade|downgrade|scale|switch|update|grow|shrink|make|put|limit|cap|assign|disable|enable|turn off|turn on|needs?|should have|bigger|smaller|more|less)\b/,
        s,
      ),
      add: test(
        /\b(deploy|add|create|set up|setup|spin up|run|install|host|start|launch|provision|want|need|give me|stand up|bring up|build|i'd like|new|make me|get me|put up|spin|fire up)\b/,
        s,
      ),
      another,
    },
    kinds: {
      certificate: test(/\b(certificate|certificates|cert|certs|tls|ssl|https)\b/, s),
      dnsRecord: test(/\b(dns record|dns entry|a record|aaaa record|cname|host override|record for|alias)\b|\bpoint [a-z0-9.-]+ (at|to) /, s),
      // A name for another name, not for an address.
      cname: test(/\bcname\b/, s) || (mentioned.length === 0 && test(/\balias\b|\bpoint [a-z0-9.-]+ (at|to) [a-z]/, s)),
      vm: test(/\b(vm|vms|virtual machine|virtual machines|kvm)\b/, s),
      lxc: test(/\b(lxc|lxcs|ct|linux container|system container)\b/, s),
      k8s: test(/\b(kubernetes|k8s|k3s|helm)\b/, s),
      network: test(/\b(vlan|vlans|network|segment|subnet)\b/, s),
      domain: test(/\b(change|set|use|switch) (the )?(local |dns |default )?domain\b|\bdomain to\b/, s),
    },
    flags: {
      noInternet: test(
        /\b(no|without|block|blocked|cut off|isolate from the|deny|disable|off the|never reach the|offline|air ?gapped)( the)? internet\b|\boffline\b|\bair ?gapped\b|\binternet access off\b/,
        s,
      ),
      internet: test(/\b(with|give|allow|enable|needs?|restore)( it| them)?( the)? internet\b|\b(give|enable|restore|turn on)( [a-z0-9-]+){1,4} internet\b/, s),
      noDhcp: test(/\b(no|without|disable|turn off|static only)( the)? dhcp\b|\bdhcp off\b|\bdisable dhcp\b/, s),
      dhcp: test(/\b(enable|turn on|with)( the)? dhcp\b/, s),
      public: test(/\b(internet|public|publicly|outside|anywhere|wan|world)\b/, s),
      internal: test(/\b(only (on|inside|within) (its|the) (own )?(vlan|network)|internal only|not exposed|private|privately)\b/, s),
      everything: test(/\b(everything|all services|all networks|all vlans|whole (lab|thing|stack)|entire)\b/, s),
      each: test(/\b(each|both|apiece|per (server|service|game))\b/, s),
      aNetwork: test(/\b(a|an|new|another)( [a-z0-9-]+){0,2} (vlan|network|segment|subnet)\b/, s),
      playerSetting: PLAYER_SETTING.test(s),
    },
  };
}

/** Service addresses (pinned or assigned) → service name. */
function addressOwners(spec: SpecV1): Map<string, string> {
  return new Map(Object.entries(serviceAddresses(spec).addresses).map(([name, address]) => [address, name]));
}

/**
 * What a network is for when that is no known purpose: "a VLAN 36 for the
 * printers" → "printers", "for the lab printers" → "lab-printers" (a purpose
 * word leading a more precise one). Only DNS-label words that name nothing else.
 */
function purposeName(ws: readonly string[], explicit: string | undefined): string | undefined {
  if (explicit !== undefined) return undefined;
  const usable = (w: string | undefined): w is string =>
    w !== undefined && isContentWord(w) && !STOPWORDS.has(w) && !COMMON.has(w) && !VERB_WORDS.has(w) && !NETWORK_WORDS.has(w);
  const phrase = (first: string, next: string | undefined): string | undefined => {
    if (!PURPOSE_WORDS.has(first)) return first;
    return usable(next) && !PURPOSE_WORDS.has(next) ? `${first}-${next}` : undefined;
  };
  for (let i = 0; i < ws.length; i++) {
    if (!/^(vlan|network|segment|subnet)$/.test(ws[i] ?? "")) continue;
    // "<network word> [N] for [the|my|our] <word>"
    let j = /^\d+$/.test(ws[i + 1] ?? "") ? i + 2 : i + 1;
    if (ws[j] === "for") {
      j++;
      if (/^(the|my|our|all|a|an)$/.test(ws[j] ?? "")) j++;
      const first = ws[j];
      if (usable(first)) return phrase(first, ws[j + 1]);
    }
    // "a <word> vlan"
    const before = ws[i - 1];
    if (/^(a|an|the|new|separate|dedicated)$/.test(ws[i - 2] ?? "") && usable(before) && !PURPOSE_WORDS.has(before)) return before;
  }
  return undefined;
}
