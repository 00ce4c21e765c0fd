// Input schemas of VirtualMachine and LxcContainer: every rule names its field
// in Proxmox-independent terms; what only the cluster knows (templates,
// storage, bridges, capacity) is checked in preflight.ts.
import { z } from "zod";
import { isHostAddress, isIPv4, parseCidr, cidrContains, parseIpv4 } from "../../kit/net.ts";
import { isSshPublicKey } from "../client/format.ts";

const DNS_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

const name = z.string().regex(DNS_NAME, "must be a host name: letters, digits and '-', at most 63 characters, not starting or ending with '-'");
const node = z
  .string()
  .regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/, "must be a Proxmox node name like pve")
  .optional();
const storage = z.string().regex(/^[a-zA-Z][a-zA-Z0-9\-_.]*[a-zA-Z0-9]$/, "must be a storage id like local-lvm");
const volume = (content: string, example: string) =>
  z.string().regex(new RegExp(`^[a-zA-Z][a-zA-Z0-9\\-_.]*:${content}/[^/\\s]+$`), `must be a volume id like ${example}`);

/** "dhcp", or the static address with its prefix ("10.20.0.50/24"). */
const ip = z
  .string()
  .refine((v) => {
    if (v === "dhcp") return true;
    const c = parseCidr(v);
    return c !== undefined && c.prefix <= 30 && isHostAddress(c, c.base);
  }, 'must be "dhcp" or a host address with prefix like 10.20.0.50/24 (not the network or broadcast address)')
  .default("dhcp");

const common = {
  node,
  cores: z.number().int("must be a whole number").min(1, "must be at least 1").max(512, "must be at most 512"),
  memoryMb: z.number().int("must be a whole number of MiB").min(64, "must be at least 64 MiB"),
  diskGb: z.number().int("must be a whole number of GiB").min(1, "must be at least 1 GiB").max(65536, "must be at most 65536 GiB"),
  storage,
  bridge: z
    .string()
    .regex(/^[A-Za-z][\w.-]{0,15}$/, "must be a bridge name like vmbr0")
    .default("vmbr0"),
  vlan: z.number().int().min(1, "must be between 1 and 4094").max(4094, "must be between 1 and 4094").optional(),
  ip,
  gateway: z.string().refine(isIPv4, "must be an IPv4 address like 10.20.0.1").optional(),
  nameserver: z.string().refine(isIPv4, "must be an IPv4 address").optional(),
  sshKeys: z.array(z.string().refine(isSshPublicKey, "must be an OpenSSH public key line (ssh-ed25519 AAAA… comment)")).default([]),
  onBoot: z.boolean().default(true),
  started: z.boolean().default(true),
  /** Take a snapshot before each change and roll back to it on failure. */
  snapshots: z.boolean().default(true),
  keepSnapshots: z.number().int().min(0, "must be 0 or more").max(20, "must be at most 20").default(3),
  description: z.string().max(8000, "must be at most 8000 characters").optional(),
};

type Ctx = z.RefinementCtx;

function checkAddressing(v: { ip: string; gateway?: string }, ctx: Ctx): void {
  if (v.gateway === undefined) return;
  if (v.ip === "dhcp") {
    ctx.addIssue({ code: "custom", path: ["gateway"], message: 'is only used with a static ip; with ip "dhcp" the DHCP server hands out the gateway' });
    return;
  }
  const c = parseCidr(v.ip);
  const gw = parseIpv4(v.gateway);
  if (c && gw !== undefined && !cidrContains(c, gw))
    ctx.addIssue({ code: "custom", path: ["gateway"], message: `${v.gateway} is not inside ${v.ip}'s network` });
  if (c && gw === c.base) ctx.addIssue({ code: "custom", path: ["gateway"], message: "must differ from the guest's own address" });
}

export const vmInputs = z
  .object({
    name,
    ...common,
    /** A template VM to full-clone: its name or VMID. */
    clone: z.string().min(1).optional(),
    /** A cloud image volume to import as the boot disk, e.g. local:import/noble-server-cloudimg-amd64.img. */
    image: volume("import", "local:import/noble-server-cloudimg-amd64.img").optional(),
    /** cloud-init user. */
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Linux user name like ubuntu")
      .optional(),
    agent: z.boolean().default(true),
  })
  .superRefine((v, ctx) => {
    if ((v.clone === undefined) === (v.image === undefined)) {
      ctx.addIssue({ code: "custom", path: ["clone"], message: "give exactly one of clone (a template VM) or image (a cloud image volume)" });
    }
    checkAddressing(v, ctx);
  });

export const lxcInputs = z
  .object({
    hostname: name,
    ...common,
    memoryMb: z.number().int("must be a whole number of MiB").min(16, "must be at least 16 MiB"),
    /** An LXC template volume, e.g. local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst. */
    template: volume("vztmpl", "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"),
    swapMb: z.number().int().min(0, "must be 0 or more").default(512),
    unprivileged: z.boolean().default(true),
    nesting: z.boolean().default(false),
  })
  .superRefine(checkAddressing);

export type VmInputs = z.infer<typeof vmInputs>;
export type LxcInputs = z.infer<typeof lxcInputs>;
