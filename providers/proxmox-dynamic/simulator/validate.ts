// Parameter verification in Proxmox's words: each endpoint has a schema, and
// a refused parameter answers 400 "Parameter verification failed." with
// {"errors": {"<param>": "<reason>"}} — all problems at once, as PVE does.
import { isIPv4, isIPv6, parseCidr } from "../../kit/net.ts";
import { isSshPublicKey, NIC_MODELS, parseProps } from "../client/format.ts";
import { die, paramError } from "./tasks.ts";

export interface Rule {
  type: "integer" | "boolean" | "string" | "number";
  min?: number;
  max?: number;
  optional?: boolean;
  maxLength?: number;
  enum?: readonly string[];
  /** Returns the reason text when the value is not valid ("invalid format - …" is added). */
  format?: (value: string) => string | undefined;
}

export type Schema = [string | RegExp, Rule][];

const opt = (r: Omit<Rule, "optional">): Rule => ({ ...r, optional: true });
const int = (min?: number, max?: number): Rule => ({ type: "integer", min, max, optional: true });
const bool: Rule = opt({ type: "boolean" });
const str = (format?: Rule["format"], maxLength?: number): Rule => opt({ type: "string", format, maxLength });

function checkValue(rule: Rule, value: string): string | undefined {
  if (rule.type === "integer" && !/^-?\d+$/.test(value)) return `type check ('integer') failed - got '${value}'`;
  if (rule.type === "number" && !/^-?\d+(\.\d+)?$/.test(value)) return `type check ('number') failed - got '${value}'`;
  if (rule.type === "boolean" && !/^(0|1|true|false|on|off|yes|no)$/i.test(value)) return `type check ('boolean') failed - got '${value}'`;
  if ((rule.type === "integer" || rule.type === "number") && rule.min !== undefined && Number(value) < rule.min) {
    return `value must have a minimum value of ${rule.min}`;
  }
  if ((rule.type === "integer" || rule.type === "number") && rule.max !== undefined && Number(value) > rule.max) {
    return `value must have a maximum value of ${rule.max}`;
  }
  if (rule.maxLength !== undefined && value.length > rule.maxLength) return `value may only be ${rule.maxLength} characters long`;
  if (rule.enum && !rule.enum.includes(value)) return `value '${value}' does not have a value in the enumeration '${rule.enum.join(", ")}'`;
  const bad = rule.format?.(value);
  return bad === undefined ? undefined : `invalid format - ${bad}`;
}

/** Checks every parameter; throws one 400 listing all problems. `node`/`vmid` from the path are not in `params`. */
export function verify(params: Record<string, string>, schema: Schema): void {
  const errors: Record<string, string> = {};
  const ruleFor = (key: string) => schema.find(([k]) => (typeof k === "string" ? k === key : k.test(key)))?.[1];
  for (const [key, rule] of schema) {
    if (typeof key === "string" && !rule.optional && params[key] === undefined) errors[key] = "property is missing and it is not optional";
  }
  for (const [key, value] of Object.entries(params)) {
    const rule = ruleFor(key);
    if (!rule) {
      errors[key] = "property is not defined in schema and the schema does not allow additional properties";
      continue;
    }
    const bad = checkValue(rule, value);
    if (bad) errors[key] = bad;
  }
  if (Object.keys(errors).length) paramError(errors);
}

const DNS_NAME = /^(([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)\.)*([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)$/;
const dnsName = (v: string) => (DNS_NAME.test(v) ? undefined : "value does not look like a valid DNS name");
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const BRIDGE = /^[-_.\w\d]+$/;

function subErrors(checks: [string, string | undefined][]): string | undefined {
  const bad = checks.filter(([, e]) => e !== undefined).map(([k, e]) => `${k}: ${e}`);
  return bad.length ? `format error\n${bad.join("\n")}` : undefined;
}

const tagCheck = (tag: string | undefined) =>
  tag === undefined ? undefined : !/^\d+$/.test(tag) ? `type check ('integer') failed - got '${tag}'` : checkValue({ type: "integer", min: 1, max: 4094 }, tag);

export function qemuNetFormat(value: string): string | undefined {
  const map = parseProps(value);
  const model = NIC_MODELS.find((m) => m in map) ?? map.model ?? map._;
  return subErrors([
    ["model", model && (NIC_MODELS as readonly string[]).includes(model) ? undefined : "property is missing and it is not optional"],
    ["macaddr", model && map[model] && !MAC.test(map[model] as string) ? `value does not look like a valid MAC address` : undefined],
    ["bridge", map.bridge !== undefined && !BRIDGE.test(map.bridge) ? "value does not match the regex pattern" : undefined],
    ["tag", tagCheck(map.tag)],
  ]);
}

const cidr4 = (v: string) => v === "dhcp" || parseCidr(v) !== undefined;
const cidr6 = (v: string) => ["dhcp", "auto"].includes(v) || (v.includes("/") && isIPv6(v.split("/")[0] as string));

export function ipConfigFormat(value: string): string | undefined {
  const map = parseProps(value);
  return subErrors([
    ["ip", map.ip !== undefined && !cidr4(map.ip) ? `unable to parse network address '${map.ip}'` : undefined],
    ["gw", map.gw !== undefined && !isIPv4(map.gw) ? `value does not look like a valid IPv4 address` : undefined],
    ["ip6", map.ip6 !== undefined && !cidr6(map.ip6) ? `unable to parse network address '${map.ip6}'` : undefined],
  ]);
}

export function lxcNetFormat(value: string): string | undefined {
  const map = parseProps(value);
  return subErrors([
    [
      "name",
      map.name === undefined
        ? "property is missing and it is not optional"
        : !/^[-_.\w\d]+$/.test(map.name)
          ? "value does not match the regex pattern"
          : undefined,
    ],
    ["bridge", map.bridge !== undefined && !BRIDGE.test(map.bridge) ? "value does not match the regex pattern" : undefined],
    ["hwaddr", map.hwaddr !== undefined && !MAC.test(map.hwaddr) ? "value does not look like a valid MAC address" : undefined],
    ["tag", tagCheck(map.tag)],
    ["ip", map.ip !== undefined && !(map.ip === "manual" || cidr4(map.ip)) ? `unable to parse network address '${map.ip}'` : undefined],
    ["gw", map.gw !== undefined && !isIPv4(map.gw) ? "value does not look like a valid IPv4 address" : undefined],
  ]);
}

/** "<storage>:<size in GiB>", "<storage>:0,import-from=<volume>" or an existing "<storage>:<volume>". */
export function diskFormat(value: string): string | undefined {
  const map = parseProps(value, "file");
  const file = map.file ?? "";
  if (!/^[a-z][a-z0-9\-_.]*[a-z0-9]:\S+$/i.test(file) && file !== "none") return "unable to parse drive options";
  if (map.size !== undefined && !/^\d+(\.\d+)?[KMGT]?$/.test(map.size)) return "format error\nsize: unable to parse size";
  return undefined;
}

/** Proxmox uri-unescapes sshkeys and validates each key (ssh-keygen); a bad key is a plain die, not a 400. */
export function checkSshKeys(encoded: string | undefined): void {
  if (encoded === undefined) return;
  let text: string;
  try {
    text = decodeURIComponent(encoded);
  } catch {
    return die("SSH public key validation error");
  }
  for (const line of text.split("\n").filter((l) => l.trim())) if (!isSshPublicKey(line)) die("SSH public key validation error");
}

const memoryRule = (): Rule =>
  str((v) => {
    const m = /^(?:current=)?(\d+)$/.exec(v);
    if (!m) return "format error\ncurrent: type check ('integer') failed";
    return Number(m[1]) < 16 ? "format error\ncurrent: value must have a minimum value of 16" : undefined;
  });

const COMMON: Schema = [
  ["description", str(undefined, 8192)],
  ["tags", str((v) => (/^[\w\-+.;, ]*$/.test(v) ? undefined : "invalid tag"))],
  ["onboot", bool],
  ["protection", bool],
  ["cores", int(1, 8192)],
  ["digest", str(undefined, 40)],
  ["delete", str()],
  ["start", bool],
];

export const QEMU_CONFIG: Schema = [
  ...COMMON,
  ["name", str(dnsName)],
  ["sockets", int(1, 4)],
  ["memory", memoryRule()],
  ["balloon", int(0)],
  ["cpu", str()],
  ["ostype", opt({ type: "string", enum: ["other", "wxp", "w2k", "w2k3", "w2k8", "wvista", "win7", "win8", "win10", "win11", "l24", "l26", "solaris"] })],
  ["scsihw", opt({ type: "string", enum: ["lsi", "lsi53c810", "virtio-scsi-pci", "virtio-scsi-single", "megasas", "pvscsi"] })],
  ["boot", str()],
  ["agent", str()],
  ["vga", str()],
  ["machine", str()],
  ["bios", opt({ type: "string", enum: ["seabios", "ovmf"] })],
  ["ciuser", str()],
  ["cipassword", str()],
  ["citype", opt({ type: "string", enum: ["configdrive2", "nocloud", "opennebula"] })],
  ["sshkeys", str()],
  ["nameserver", str()],
  ["searchdomain", str()],
  [/^net\d+$/, str(qemuNetFormat)],
  [/^ipconfig\d+$/, str(ipConfigFormat)],
  [/^(scsi\d+|virtio\d+|sata\d+|ide\d+|efidisk0)$/, str(diskFormat)],
  [/^serial\d$/, str()],
];

export const QEMU_CREATE: Schema = [["vmid", { type: "integer", min: 100, max: 999999999 }], ...QEMU_CONFIG];

export const LXC_CONFIG: Schema = [
  ...COMMON,
  ["hostname", str(dnsName)],
  ["memory", int(16)],
  ["swap", int(0)],
  ["cpulimit", opt({ type: "number", min: 0, max: 8192 })],
  ["nameserver", str()],
  ["searchdomain", str()],
  ["features", str()],
  ["ostype", str()],
  ["arch", opt({ type: "string", enum: ["amd64", "i386", "arm64", "armhf", "riscv32", "riscv64"] })],
  ["rootfs", str(diskFormat)],
  [/^mp\d+$/, str()],
  [/^net\d+$/, str(lxcNetFormat)],
];

export const LXC_CREATE: Schema = [
  ["vmid", { type: "integer", min: 100, max: 999999999 }],
  ["ostemplate", { type: "string", maxLength: 255 }],
  ["ssh-public-keys", str()],
  ["password", str()],
  ["unprivileged", bool],
  ["storage", str()],
  ...LXC_CONFIG,
];

export const CLONE: Schema = [
  ["newid", { type: "integer", min: 100, max: 999999999 }],
  ["name", str(dnsName)],
  ["hostname", str(dnsName)],
  ["description", str()],
  ["full", bool],
  ["storage", str()],
  ["target", str()],
  ["pool", str()],
  ["format", opt({ type: "string", enum: ["raw", "qcow2", "vmdk"] })],
  ["snapname", str()],
];

export const SNAPSHOT: Schema = [
  ["snapname", { type: "string", maxLength: 40, format: (v) => (/^[a-z][a-z0-9_-]+$/i.test(v) ? undefined : `invalid configuration ID '${v}'`) }],
  ["description", str()],
  ["vmstate", bool],
];

export const RESIZE: Schema = [
  ["disk", { type: "string" }],
  ["size", { type: "string", format: (v) => (/^\+?\d+(\.\d+)?[KMGT]?$/.test(v) ? undefined : "value does not match the regex pattern") }],
  ["digest", str(undefined, 40)],
];
