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
import { z } from "zod";
import { templateCatalog } from "../templates/catalog.ts";
import type { Template } from "../templates/catalog.ts";
import { defaultDhcpRange, firstHost, formatIpv4, parseCidr, parseIpv4, hasHostBits, formatCidr } from "../../providers/kit/net.ts";
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
      .regex(/^\/[A-Za-z0-9._~\/=&%-]*$/, "must be a URL path like /health")
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
  address: ipv4.optional().describe("Static address in its network. @default assigned (see mapping.ts serviceAddresses)"),
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

const vmSchema = z.strictObject({
  cores: z.number().int().min(1).max(128).default(2),
  memoryMb: z.number().int().min(256).max(1_048_576).default(2048),
  diskGb: z.number().int().min(1).max(65_536).default(32),
  network: label,
  image: z.string().min(1).default("debian-12").describe("Cloud image or ISO name. @default debian-12"),
  address: ipv4.optional(),
  description: z.string().default(""),
});

const lxcSchema = z.strictObject({
  cores: z.number().int().min(1).max(128).default(1),
  memoryMb: z.number().int().min(64).max(1_048_576).default(512),
  diskGb: z.number().int().min(1).max(65_536).default(8),
  network: label,
  template: z.string().min(1).default("debian-12-standard").describe("Container template. @default debian-12-standard"),
  address: ipv4.optional(),
  description: z.string().default(""),
});

const kubernetesAppSchema = z.strictObject({
  chart: z.string().min(1).optional().describe("Helm chart, e.g. grafana/grafana."),
  image: imageRef.optional(),
  namespace: label.default("default"),
});

const kubernetesSchema = z.strictObject({ apps: z.record(label, kubernetesAppSchema).default({}) });

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
  ...specEdgeFields,
});

/** Fills defaults that need names from elsewhere in the spec. */
function resolveSpec(s: z.output<typeof specObject>) {
  const services = Object.fromEntries(Object.entries(s.services).map(([name, svc]) => [name, { ...svc, dns: svc.dns ?? name }]));
  const certificates = Object.fromEntries(
    Object.entries(s.certificates).map(([name, cert]) => [
      name,
      { ...cert, dnsNames: cert.dnsNames.map((n) => (n.includes(".") ? n : `${n}.${s.dns.domain}`)) },
    ]),
  );
  return { ...s, services, certificates };
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
export type PublishSpec = NonNullable<ServiceSpec["publish"]>;
export type VpnSpec = NonNullable<SpecV1["vpn"]>;
