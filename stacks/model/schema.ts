// The bosun spec, version 1: one stack's desired state, held in
// stacks/Pulumi.<stack>.yaml under `bosun:spec`. Every part of bosun (MCP tools,
// translator, Pulumi program) speaks this shape.
//
// Workflow for changes:
//   - additive, optional fields: add them here with a `.default()` (old specs stay valid);
//   - anything else: bump SPEC_VERSION, keep the old shape in migrate.ts and
//     write its upgrade; then `npx tsx stacks/model/write-json-schema.ts`.
//
// Objects are strict (unknown keys are errors: a misspelt "memroyMb" must not be
// silently ignored). Nested objects with defaults use `.prefault()`, which runs
// the default through the schema so inner defaults apply too.
//
// Over 300 lines: the spec is one zod schema, read top to bottom (the edge's
// fields are in schema-edge.ts).
import { z } from "zod";
import { templateCatalog } from "../templates/catalog.ts";
import type { Template } from "../templates/catalog.ts";
import { defaultDhcpRange, firstHost, formatIpv4, parseCidr, parseIpv4, hasHostBits, formatCidr } from "../../providers/kit/net.ts";
import { isSshPublicKey } from "../../providers/proxmox-dynamic/client/index.ts";
import { RUNTIME_NAMES } from "../templates/runtimes.ts";
import { DNS_LABEL, DNS_LABEL_MESSAGE, DOMAIN } from "./names.ts";
import { crossFieldRules } from "./rules.ts";
import { certificateEdgeFields, dnsEdgeFields, segmentPolicyFields, serviceEdgeFields, specEdgeFields } from "./schema-edge.ts";

/** The version this code writes; older versions go through migrate(). */
export const SPEC_VERSION = 1;

const label = z.string().regex(DNS_LABEL, DNS_LABEL_MESSAGE);
const port = z.number().int("port must be a whole number").min(1, "port must be 1-65535").max(65535, "port must be 1-65535");
const ipv4 = z.string().refine((s) => parseIpv4(s) !== undefined, "must be an IPv4 address like 10.20.0.1");
const cidr = z.string().superRefine((s, ctx) => {
  const parsed = parseCidr(s);
  if (parsed === undefined) ctx.addIssue({ code: "custom", message: "must be an IPv4 CIDR like 10.20.0.0/24" });
  else if (parsed.prefix < 8 || parsed.prefix > 30) ctx.addIssue({ code: "custom", message: "subnet prefix must be /8 to /30" });
  else if (hasHostBits(parsed)) ctx.addIssue({ code: "custom", message: `host bits are set; did you mean "${formatCidr(parsed)}"?` });
});
const absolutePath = z
  .string()
  .startsWith("/", "must be an absolute path")
  .refine((s) => !s.split("/").includes(".."), "must not contain '..'");
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");
const imageRef = z.string().regex(/^[a-z0-9][a-z0-9._/:@-]*$/, "must be an image reference like nginx:1.27-alpine");

/** "25565/tcp" or "8000-8100/udp". */
export const PORT_SPEC = /^(\d{1,5})(?:-(\d{1,5}))?\/(tcp|udp)$/;
const portSpec = z
  .string()
  .regex(PORT_SPEC, 'must look like "25565/tcp" or "8000-8100/udp"')
  .refine((s) => {
    const m = PORT_SPEC.exec(s);
    const from = Number(m?.[1]);
    const to = m?.[2] === undefined ? from : Number(m[2]);
    return from >= 1 && to <= 65535 && from <= to;
  }, "ports must be 1-65535 and a range must go low-high");

// ---- networks -----------------------------------------------------------------

const dhcpSchema = z.strictObject({
  enabled: z.boolean().default(true).describe("Serve DHCP on this network."),
  start: ipv4.optional().describe("First leased address. @default the .100 of a /24 (proportional for other sizes)"),
  end: ipv4.optional().describe("Last leased address. @default the .199 of a /24"),
  leaseSeconds: z.number().int().min(60).max(31_536_000).default(86_400).describe("Lease time in seconds. @default 86400"),
});

const allowFromSchema = z.strictObject({
  from: z.string().min(1).describe('Source: a network name, "lan" (OPNsense\'s LAN), "any", or an IPv4 CIDR. @example "guests"'),
  ports: z.array(portSpec).default([]).describe('Allowed destination ports; empty means all. @example ["25565/tcp"]'),
  service: label.optional().describe("Narrow the destination to one service of this network (its address)."),
  description: z.string().default(""),
});

const networkInput = z.strictObject({
  vlan: z.number().int().min(1, "VLAN tag must be 1-4094").max(4094, "VLAN tag must be 1-4094").describe("802.1Q tag. @example 20"),
  subnet: cidr.describe("IPv4 network. @example 10.20.0.0/24"),
  gateway: ipv4.optional().describe("OPNsense's address on this VLAN. @default the first host (10.20.0.1)"),
  dhcp: dhcpSchema.prefault({}),
  parentInterface: z
    .string()
    .regex(/^[a-z][a-z0-9_.]*$/, "must be an interface name like igc1")
    .default("igc1")
    .describe("Physical parent of the VLAN on OPNsense. @default igc1"),
  opnsenseInterface: z
    .string()
    .regex(/^(lan|opt\d{1,3})$/, 'must be an OPNsense interface key like "opt3"')
    .optional()
    .describe("Assigned interface key (e.g. opt3). OPNsense's API cannot assign interfaces, so this is checked, never created."),
  internet: z.boolean().default(true).describe("Hosts may reach the internet (never other segments unless allowed). @default true"),
  allowFrom: z.array(allowFromSchema).default([]).describe("Traffic let in from other segments; nothing by default."),
  ...segmentPolicyFields,
  description: z.string().default(""),
});

/** Fills the defaults that depend on the subnet (gateway, DHCP range). */
function resolveNetwork(n: z.output<typeof networkInput>) {
  const parsed = parseCidr(n.subnet);
  if (parsed === undefined) return { ...n, gateway: n.gateway ?? "", dhcp: { ...n.dhcp, start: n.dhcp.start ?? "", end: n.dhcp.end ?? "" } };
  const range = defaultDhcpRange(parsed);
  return {
    ...n,
    gateway: n.gateway ?? formatIpv4(firstHost(parsed)),
    dhcp: { ...n.dhcp, start: n.dhcp.start ?? formatIpv4(range.start), end: n.dhcp.end ?? formatIpv4(range.end) },
  };
}

export const networkSchema = networkInput.transform(resolveNetwork);

// ---- services -----------------------------------------------------------------

const exposeSchema = z
  .union([z.enum(["network", "lan", "any"]), z.array(label).min(1)])
  .describe('Who may connect: "network" (own segment), "lan" (every segment and the LAN), "any" (also the internet), or network names.');

const servicePortInput = z.strictObject({
  container: port.describe("Port inside the container. @example 25565"),
  host: port.optional().describe("Published port. @default the container port"),
  protocol: z.enum(["tcp", "udp"]).default("tcp"),
  expose: exposeSchema.default("lan"),
});
// Fixed key order, so a resolved spec serializes the same after another parse.
const servicePortSchema = servicePortInput.transform((p) => ({ container: p.container, host: p.host ?? p.container, protocol: p.protocol, expose: p.expose }));

const volumeSchema = z
  .strictObject({
    name: label.optional().describe("Named volume (created as <service>-<name>)."),
    hostPath: absolutePath.optional().describe("Bind mount from the Docker host."),
    target: absolutePath.describe("Mount point in the container. @example /data"),
    readOnly: z.boolean().default(false),
  })
  .refine((v) => (v.name === undefined) !== (v.hostPath === undefined), "a volume needs exactly one of name or hostPath");

/** A secret env value; redactSpec() shows it as "[secret]". */
const secretValue = z.strictObject({ secret: z.string().min(1).describe("The secret value (redacted in output and logs).") });
const envValue = z.union([z.string(), secretValue]);

const healthCheckSchema = z
  .strictObject({
    command: z.array(z.string().min(1)).min(1).optional().describe("Exec-form command run in the container."),
    tcpPort: port.optional().describe("Healthy when this port accepts connections."),
    // Restricted characters: the path ends up in a health-check command.
    httpPath: z
      .string()
      .regex(/^\/[A-Za-z0-9._~/=&%-]*$/, "must be a URL path like /health")
      .optional()
      .describe("Healthy when GET <path> answers 2xx/3xx."),
    port: port.optional().describe("Port for httpPath. @default the first TCP port"),
    intervalSeconds: z.number().int().min(1).max(3600).default(30),
    retries: z.number().int().min(1).max(100).default(3),
  })
  .refine(
    (h) => [h.command, h.tcpPort, h.httpPath].filter((x) => x !== undefined).length === 1,
    "a health check needs exactly one of command, tcpPort or httpPath",
  );

const serviceInput = z.strictObject({
  template: label.optional().describe("Catalog template name. @example minecraft-java"),
  image: imageRef.optional().describe("Container image when not using a template. @example nginx:1.27-alpine"),
  network: label.describe("Network the service runs on. @example gaming"),
  memoryMb: z
    .number()
    .int()
    .min(32, "memoryMb must be at least 32")
    .max(262_144, "memoryMb must be at most 262144 (256 GiB)")
    .optional()
    .describe("Memory limit in MiB. @default the template's rule, else 512"),
  cpus: z.number().positive().max(128, "cpus must be at most 128").optional().describe("CPU limit. @default the template's, else 1"),
  ports: z.array(servicePortSchema).optional().describe("Published ports. @default the template's"),
  volumes: z.array(volumeSchema).optional().describe("Volumes. @default the template's (named <service>-<name>)"),
  env: z.record(envName, envValue).default({}).describe("Environment on top of the template's; { secret } values are redacted."),
  dns: label.optional().describe("Host label under dns.domain. @default the service name"),
  healthCheck: healthCheckSchema.optional().describe("@default the template's"),
  restart: z.enum(["no", "always", "unless-stopped", "on-failure"]).default("unless-stopped"),
  command: z.array(z.string().min(1)).min(1).optional().describe('Command instead of the image\'s own. @example ["sleep", "infinity"]'),
  address: ipv4.optional().describe("Static address in its network. @default assigned (see addresses.ts)"),
  ...serviceEdgeFields,
  description: z.string().default(""),
});

type HealthCheck = z.output<typeof healthCheckSchema>;
type Volume = z.output<typeof volumeSchema>;

function templateHealthCheck(t: Template | undefined): HealthCheck | undefined {
  if (t?.healthCheck === undefined) return undefined;
  return { ...t.healthCheck, intervalSeconds: 30, retries: 3 };
}

/** Fills what the template decides when the service doesn't say. */
function resolveService(s: z.output<typeof serviceInput>) {
  const t = s.template === undefined ? undefined : templateCatalog[s.template];
  return {
    ...s,
    memoryMb: s.memoryMb ?? t?.memory.defaultMb ?? 512,
    cpus: s.cpus ?? t?.cpus ?? 1,
    ports: s.ports ?? (t?.ports ?? []).map((p) => ({ container: p.container, host: p.host ?? p.container, protocol: p.protocol, expose: p.expose })),
    volumes: s.volumes ?? (t?.volumes ?? []).map((v): Volume => ({ name: v.name, target: v.target, readOnly: false })),
    healthCheck: s.healthCheck ?? templateHealthCheck(t),
  };
}

export const serviceSchema = serviceInput.transform(resolveService);

// ---- dns, certificates, vms, lxc, kubernetes ------------------------------------------

const dnsSchema = z.strictObject({
  domain: z.string().regex(DOMAIN, "must be a domain like home.arpa").default("home.arpa").describe("Local domain. @default home.arpa (RFC 8375)"),
  records: z
    .array(
      z.strictObject({
        name: label.describe("Host label. @example nas"),
        type: z.enum(["A", "AAAA", "CNAME"]),
        value: z.string().min(1).describe("Address, or target name for CNAME."),
      }),
    )
    .default([]),
  ...dnsEdgeFields,
});

const certificateSchema = z.strictObject({
  dnsNames: z.array(z.string().min(1)).min(1).describe('Names; a bare label means <label>.<domain>. @example ["minecraft"]'),
  issuer: z.enum(["acme-staging", "acme", "self-signed"]).default("self-signed").describe("@default self-signed (works offline)"),
  outsideDomain: z.boolean().default(false).describe("Allow names outside dns.domain (explicit opt-in)."),
  ...certificateEdgeFields,
});

// VMs and LXC containers on Proxmox VE: placed on their network's VLAN, with an
// address in its subnet (allocated like services' when not given), a DNS name
// and firewall rules for the ports they expose.

const sshKey = z.string().refine(isSshPublicKey, "must be an OpenSSH public key line (ssh-ed25519 AAAA… comment)");
const guestPortSchema = z.strictObject({
  port: port.describe("Port the guest listens on. @example 22"),
  protocol: z.enum(["tcp", "udp"]).default("tcp"),
  expose: exposeSchema.default("lan"),
});
const osImage = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]*$|^[a-zA-Z][a-zA-Z0-9\-_.]*:(import|vztmpl)\/[^/\s]+$/,
    'must be an OS name like "debian-12" or a volume like local:import/<file>',
  )
  .describe("OS name from the catalog (stacks/templates/os-images.ts) or a Proxmox volume id.");

const guestFields = {
  network: label.describe("Network (VLAN) the guest's NIC is on. @example servers"),
  address: ipv4.optional().describe("Static address in its network. @default assigned like services' (see addresses.ts)"),
  storage: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9\-_.]*[a-zA-Z0-9]$/, "must be a Proxmox storage id like local-lvm")
    .optional()
    .describe("Storage for the disk. @default stack setting bosun:proxmoxStorage, else local-lvm"),
  node: z
    .string()
    .regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/, "must be a Proxmox node name like pve")
    .optional()
    .describe("Proxmox node. @default stack config proxmox:node"),
  sshKeys: z.array(sshKey).default([]).describe("OpenSSH public keys allowed to log in."),
  onBoot: z.boolean().default(true).describe("Start with the node. @default true"),
  ports: z.array(guestPortSchema).default([]).describe("Ports the firewall lets in, like a service's. @default none"),
  dns: label.optional().describe("Host label under dns.domain. @default the name"),
  description: z.string().default(""),
};

const vmSchema = z
  .strictObject({
    cores: z.number().int().min(1).max(128).default(2),
    memoryMb: z.number().int().min(256).max(1_048_576).default(2048),
    diskGb: z.number().int().min(1).max(65_536).default(32),
    image: osImage.optional().describe("OS to install. One of image or clone. @default debian-12"),
    clone: z.string().min(1).optional().describe("Template VM to full-clone (name or VMID) instead of an image. @example ubuntu-2404-cloud"),
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Linux user name like ubuntu")
      .optional()
      .describe("cloud-init user. @default the image's (debian, ubuntu)"),
    ...guestFields,
  })
  .transform((v) => ({ ...v, image: v.image ?? (v.clone === undefined ? "debian-12" : undefined) }));

const lxcSchema = z.strictObject({
  cores: z.number().int().min(1).max(128).default(1),
  memoryMb: z.number().int().min(64).max(1_048_576).default(512),
  diskGb: z.number().int().min(1).max(65_536).default(8),
  template: osImage.default("debian-12").describe("Container template: an OS name or a vztmpl volume. @default debian-12"),
  swapMb: z.number().int().min(0).max(1_048_576).default(512),
  unprivileged: z.boolean().default(true).describe("Run unprivileged (recommended); changing it replaces the container. @default true"),
  nesting: z.boolean().default(false).describe("Allow nested containers (Docker inside). @default false"),
  ...guestFields,
});

// Kubernetes apps: image-based (a Deployment, a Service for its ports, an
// optional Ingress) through the KubernetesApp component.
const kubernetesPortSchema = z.strictObject({
  container: port.describe("Port the container listens on. @example 3000"),
  service: port.optional().describe("Port the Service exposes. @default the container port"),
  protocol: z.enum(["tcp", "udp"]).default("tcp"),
});

const kubernetesAppSchema = z.strictObject({
  image: imageRef.optional().describe("Container image. @example grafana/grafana:11.3.0"),
  chart: z.string().min(1).optional().describe("Helm chart: not supported yet (refused; give image)."),
  namespace: label.default("default").describe("Namespace; created unless it is default or kube-*. @default default"),
  replicas: z.number().int().min(0).max(100).default(1),
  ports: z.array(kubernetesPortSchema).default([]).describe("Container ports; a Service exposes them. @default none (no Service)"),
  env: z.record(envName, envValue).default({}).describe("Environment variables (plain values; secrets are refused for now)."),
  memoryMb: z.number().int().min(16).max(1_048_576).optional().describe("Memory limit in MiB (the request is half). @default none"),
  cpus: z.number().positive().max(128).optional().describe("CPU limit (the request is half). @default none"),
  ingress: z
    .strictObject({
      host: z.string().min(1).describe("Host label under dns.domain, or a full name. @example grafana"),
      path: z.string().startsWith("/", 'must start with "/"').default("/"),
      className: label.optional().describe("IngressClass. @default the cluster's default"),
    })
    .optional(),
  description: z.string().default(""),
});

const kubernetesSchema = z.strictObject({ apps: z.record(label, kubernetesAppSchema).default({}) });

// A dev environment (the vision's example 2): a workspace where the code runs
// (a service, VM or LXC container of this spec, e.g. one with the app's
// runtime image), its database (a service), and the reverse-proxy entry people
// use to reach the app: https://<proxy>.<domain>/ through HAProxy on OPNsense
// with a certificate from bosun's internal CA. The DevEnvironment component
// owns the workspace, database and name; the route and certificate join the
// stack's reverse proxy (mapping-edge.ts).
const devEnvironmentSchema = z.strictObject({
  workspace: label.describe("The service, VM or LXC container the code runs in. @example webapp-dev"),
  database: label.optional().describe("The service holding its database. @example webapp-db"),
  proxy: label.optional().describe("Host label of the reverse-proxy entry: <proxy>.<domain>. @default the environment's name"),
  port: port.optional().describe("The app's port in the workspace, where the proxy sends requests. @default the workspace's first TCP port"),
  tls: z
    .boolean()
    .default(true)
    .describe(
      "Serve it at https://<proxy>.<domain>/ through the reverse proxy on OPNsense (HAProxy) with a certificate from bosun's internal CA (LAN only); false = a plain DNS name on the workspace (http://<proxy>.<domain>:<port>/). @default true",
    ),
  runtime: z.enum(RUNTIME_NAMES).optional().describe("The app's runtime (documentation; the workspace's image carries it)."),
  description: z.string().default(""),
});

// ---- the spec ----------------------------------------------------------------------

const specObject = z.strictObject({
  version: z.literal(SPEC_VERSION, { error: `version must be ${SPEC_VERSION}` }).describe("Spec format version."),
  networks: z.record(label, networkSchema).default({}).describe("VLAN segments by name."),
  services: z.record(label, serviceSchema).default({}).describe("Containers by name."),
  dns: dnsSchema.prefault({}),
  certificates: z.record(label, certificateSchema).default({}),
  vms: z.record(label, vmSchema).default({}),
  lxc: z.record(label, lxcSchema).default({}),
  kubernetes: kubernetesSchema.prefault({}),
  devEnvironments: z.record(label, devEnvironmentSchema).default({}).describe("Dev environments: workspace, database and an https proxy entry."),
  ...specEdgeFields,
});

/** Fills defaults that need names from elsewhere in the spec. */
function resolveSpec(s: z.output<typeof specObject>) {
  const services = Object.fromEntries(Object.entries(s.services).map(([name, svc]) => [name, { ...svc, dns: svc.dns ?? name }]));
  const vms = Object.fromEntries(Object.entries(s.vms).map(([name, vm]) => [name, { ...vm, dns: vm.dns ?? name }]));
  const lxc = Object.fromEntries(Object.entries(s.lxc).map(([name, ct]) => [name, { ...ct, dns: ct.dns ?? name }]));
  const devEnvironments = Object.fromEntries(Object.entries(s.devEnvironments).map(([name, d]) => [name, { ...d, proxy: d.proxy ?? name }]));
  const fqdn = (host: string) => (host.includes(".") ? host : `${host}.${s.dns.domain}`);
  const apps = Object.fromEntries(
    Object.entries(s.kubernetes.apps).map(([name, app]) => [name, app.ingress ? { ...app, ingress: { ...app.ingress, host: fqdn(app.ingress.host) } } : app]),
  );
  const certificates = Object.fromEntries(
    Object.entries(s.certificates).map(([name, cert]) => [
      name,
      { ...cert, dnsNames: cert.dnsNames.map((n) => (n.includes(".") ? n : `${n}.${s.dns.domain}`)) },
    ]),
  );
  return { ...s, services, certificates, vms, lxc, devEnvironments, kubernetes: { apps } };
}

const resolvedSpecSchema = specObject.transform(resolveSpec);

/** The v1 schema: shape, defaults, then cross-field rules on the resolved spec. */
export const specV1Schema = resolvedSpecSchema.superRefine(crossFieldRules);

/** What people and models write (optional fields optional). */
export const specV1InputSchema = specObject;

/** A fully-resolved v1 spec, as parseSpec returns it. */
export type SpecV1 = z.output<typeof resolvedSpecSchema>;
/** A v1 spec as written, before defaults. */
export type SpecInput = z.input<typeof specObject>;
export type NetworkSpec = SpecV1["networks"][string];
export type ServiceSpec = SpecV1["services"][string];
export type ServicePort = ServiceSpec["ports"][number];
export type AllowFrom = NetworkSpec["allowFrom"][number];
export type EnvValue = ServiceSpec["env"][string];
export type CertificateSpec = SpecV1["certificates"][string];
export type VmSpec = SpecV1["vms"][string];
export type LxcSpec = SpecV1["lxc"][string];
export type GuestPort = VmSpec["ports"][number];
export type KubernetesAppSpec = SpecV1["kubernetes"]["apps"][string];
export type DevEnvironmentSpec = SpecV1["devEnvironments"][string];
export type PublishSpec = NonNullable<ServiceSpec["publish"]>;
export type VpnSpec = NonNullable<SpecV1["vpn"]>;
