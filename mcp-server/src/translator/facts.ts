// Everything the translator reads from one request, gathered once.
import type { SpecV1 } from "../../../stacks/model/index.ts";
import type { TemplateCatalog } from "../../../stacks/templates/catalog.ts";
import { findRefs, findTemplates, purposeOf } from "./match.ts";
import type { Ref, TemplateHit } from "./match.ts";
import { addresses, cidrs, cores, explicitName, fqdns, normalize, players, portMentions, sizes, vlanIds, words } from "./text.ts";
import type { PortMention } from "./text.ts";

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
  templates: TemplateHit[];
  refs: Ref[];
  image?: string;
  /** Words after "dns name"/"hostname"/"reachable at"/"call it". */
  dnsName?: string;
  verbs: { remove: boolean; deny: boolean; allow: boolean; open: boolean; close: boolean; modify: boolean; add: boolean; another: boolean };
  kinds: { certificate: boolean; dnsRecord: boolean; vm: boolean; lxc: boolean; k8s: boolean; network: boolean; domain: boolean };
  flags: { noInternet: boolean; internet: boolean; noDhcp: boolean; dhcp: boolean; public: boolean; internal: boolean; everything: boolean };
}

const test = (re: RegExp, s: string) => re.test(s);

export function readFacts(text: string, spec: SpecV1, catalog: TemplateCatalog): Facts {
  const s = normalize(text);
  const ws = words(s);
  const sz = sizes(ws);
  const name = explicitName(s);
  // Existing names are refs, not templates ("give pihole more ram" names the service).
  const templates = findTemplates(ws, catalog, new Set([...Object.keys(spec.networks), ...(name !== undefined ? [name] : [])]));
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
    addresses: addresses(s),
    fqdns: fqdns(s),
    ...(name !== undefined ? { name } : {}),
    ...(purposeOf(s) !== undefined ? { purpose: purposeOf(s) } : {}),
    templates,
    refs: findRefs(ws, spec, templates),
    ...(image !== undefined ? { image } : {}),
    ...(dnsName !== undefined && dnsName !== "record" && dnsName !== "records" && dnsName !== "entry" ? { dnsName } : {}),
    verbs: {
      remove: test(
        /\b(remove|delete|tear down|teardown|tear|destroy|get rid of|drop|uninstall|decommission|take down|nuke|scrap|kill|deprovision|wipe|purge|no longer need|dont need|don't need|trash|ditch|rip out)\b/,
        s,
      ),
      deny: test(
        /\b(block|deny|isolate|forbid|prevent|disallow|cut off|cut [a-z0-9 -]+ off|stop [a-z0-9 -]+ from|shouldn'?t (be able to )?(reach|access|talk))\b/,
        s,
      ),
      allow: test(/\b(allow|permit|let|grant)\b|\b(can|should be able to|able to) (reach|access|talk|connect|see)\b/, s),
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
      another: test(/\b(another|second|2nd|additional|extra|one more)\b/, s),
    },
    kinds: {
      certificate: test(/\b(certificate|certificates|cert|certs|tls|ssl|https)\b/, s),
      dnsRecord: test(/\b(dns record|dns entry|a record|aaaa record|cname|host override|record for|alias)\b|\bpoint [a-z0-9.-]+ (at|to) /, s),
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
      internet: test(/\b(with|give|allow|enable|needs?|restore)( it| them)?( the)? internet\b/, s),
      noDhcp: test(/\b(no|without|disable|turn off|static only)( the)? dhcp\b|\bdhcp off\b|\bdisable dhcp\b/, s),
      dhcp: test(/\b(enable|turn on|with)( the)? dhcp\b/, s),
      public: test(/\b(internet|public|publicly|outside|anywhere|wan|world)\b/, s),
      internal: test(/\b(only (on|inside|within) (its|the) (own )?(vlan|network)|internal only|not exposed|private|privately)\b/, s),
      everything: test(/\b(everything|all services|all networks|all vlans|whole (lab|thing|stack)|entire)\b/, s),
    },
  };
}
