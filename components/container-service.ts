// One containerized service: its named volumes and the container, with memory
// and CPU limits, restart policy, environment (secret values as Pulumi
// secrets), ports and health check, on its segment's Docker network; and, for
// a service that serves TLS itself, a certificate's chain and key in a volume of
// their own, written before the first start and again (then a reload) on renewal.
import * as pulumi from "@pulumi/pulumi";
import {
  type ContainerHealthCheck,
  DockerContainer,
  type DockerContainerArgs,
  DockerVolume,
  type DockerVolumeArgs,
} from "../providers/docker-engine/resources/index.ts";
import { transformed, type Transform } from "./transform.ts";

export interface ServicePortArgs {
  /** Port inside the container. @example 25565 */
  internal: number;
  /** Port published on the host (bridge mode). @example 25565 */
  external: number;
  /** @example "tcp" */
  protocol: "tcp" | "udp";
}

export interface ServiceVolumeArgs {
  /** A named volume, created as `<namePrefix>-<volumeName>`. @example "minecraft-data" */
  volumeName?: string;
  /** A bind mount from the host (checked against the stack's allowed roots before this point). */
  hostPath?: string;
  /** @example "/data" */
  containerPath: string;
  /** @default false */
  readOnly?: boolean;
}

/** A certificate the container serves: `<dir>/fullchain.pem` (0644) and `<dir>/privkey.pem` (0600, the owner's only). */
export interface ServiceTlsArgs {
  /** Leaf, then intermediates. */
  fullChainPem: pulumi.Input<string>;
  /** Kept as a Pulumi secret. */
  privateKeyPem: pulumi.Input<string>;
  /** @default "/run/bosun/tls" */
  dir?: string;
  /** How the service picks up a renewal. @default "restart" */
  reload?: "restart" | "SIGHUP" | "SIGUSR1" | "SIGUSR2" | "none";
  /** Owner of both files. @default 0 */
  uid?: number;
  /** @default 0 */
  gid?: number;
}

export interface ContainerServiceArgs {
  /** Service name; the container is `<namePrefix>-<name>`. @example "minecraft" */
  name: string;
  /** @example "itzg/minecraft-server:java21" */
  image: string;
  /** Environment; values of `secretEnv` keys are stored as Pulumi secrets. @default {} */
  env?: Record<string, string>;
  /** Env names whose values are secrets. @default [] */
  secretEnv?: string[];
  /** Memory limit in MiB. @example 4096 */
  memoryMb: number;
  /** CPU limit. @default 1 */
  cpus?: number;
  /** @default [] */
  ports?: ServicePortArgs[];
  /** @default [] */
  volumes?: ServiceVolumeArgs[];
  /** Docker health check; the create waits for "healthy". */
  healthCheck?: ContainerHealthCheck;
  /** @default "unless-stopped" */
  restart?: "no" | "always" | "unless-stopped" | "on-failure";
  /** Command instead of the image's own. @default the image's @example ["sleep", "infinity"] */
  command?: string[];
  /** Static address on the segment. @example "10.20.0.10" */
  address: string;
  /** @example "minecraft" */
  hostname: string;
  /** The segment's Docker network. */
  networkName: pulumi.Input<string>;
  /** Where published ports bind on the host (bridge mode); omitted = no publishing (macvlan: the container has its own address). */
  publishAddress?: string;
  /** Image substitutes for hosts without registry access: template image → local image. @default {} */
  localImages?: Record<string, string>;
  /**
   * A registry standing in for Docker Hub (a mirror): an image without a registry host is pulled
   * from it ("itzg/minecraft-server:java21" → "127.0.0.1:5000/itzg/minecraft-server:java21").
   * @default none (Docker Hub) @example "127.0.0.1:5000"
   */
  registryMirror?: string;
  /** Engine-side names start with this (the stack name), so stacks on one host do not collide. @example "demo" */
  namePrefix: string;
  /** A certificate written into the container. @default none */
  tls?: ServiceTlsArgs;
  transform?: { container?: Transform<DockerContainerArgs>; volume?: Transform<DockerVolumeArgs> };
}

/**
 * The image as pulled through `mirror`: Docker Hub images (no registry host in the name) are
 * taken from the mirror, official ones under `library/` as Docker's own mirrors keep them.
 */
export function mirrored(image: string, mirror: string | undefined): string {
  if (mirror === undefined) return image;
  const first = image.split("/")[0] ?? "";
  const hasRegistry = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasRegistry) return image;
  return `${mirror}/${image.includes("/") ? image : `library/${image}`}`;
}

export class ContainerService extends pulumi.ComponentResource {
  readonly container: DockerContainer;
  readonly volumes: DockerVolume[];
  readonly address: string;
  /** "25565/tcp", … */
  readonly ports: string[];

  constructor(name: string, args: ContainerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:ContainerService", name, {}, opts);
    const t = args.transform ?? {};
    const tls = args.tls;
    const tlsDir = tls?.dir ?? "/run/bosun/tls";
    // The certificate's folder is a volume of its own, so a renewal is written where the service reads it.
    const volumes = [...(args.volumes ?? []), ...(tls ? [{ volumeName: `${args.name}-tls`, containerPath: tlsDir }] : [])];
    const ports = args.ports ?? [];
    this.volumes = volumes.flatMap((v) => {
      if (v.volumeName === undefined) return [];
      const childName = `${name}-${v.volumeName}`;
      const [volArgs, volOpts] = transformed(
        t.volume,
        childName,
        { name: `${args.namePrefix}-${v.volumeName}`, labels: { "bosun.service": args.name } },
        { parent: this },
      );
      return [new DockerVolume(childName, volArgs, volOpts)];
    });
    const secret = new Set(args.secretEnv ?? []);
    const env = Object.fromEntries(Object.entries(args.env ?? {}).map(([k, v]) => [k, secret.has(k) ? pulumi.secret(v) : v]));
    const childName = `${name}-container`;
    const [containerArgs, containerOpts] = transformed(
      t.container,
      childName,
      {
        name: `${args.namePrefix}-${args.name}`,
        image: args.localImages?.[args.image] ?? mirrored(args.image, args.registryMirror),
        ...(args.command !== undefined ? { command: args.command } : {}),
        env,
        ...(secret.size ? { secretEnv: [...secret].sort() } : {}),
        memoryMb: args.memoryMb,
        cpus: args.cpus ?? 1,
        ports:
          args.publishAddress === undefined
            ? []
            : ports.map((p) => ({ internal: p.internal, external: p.external, protocol: p.protocol, ip: args.publishAddress })),
        volumes: volumes.map((v) => ({
          ...(v.volumeName ? { volumeName: `${args.namePrefix}-${v.volumeName}` } : {}),
          ...(v.hostPath ? { hostPath: v.hostPath } : {}),
          containerPath: v.containerPath,
          readOnly: v.readOnly ?? false,
        })),
        ...(args.healthCheck ? { healthCheck: args.healthCheck } : {}),
        restart: args.restart ?? "unless-stopped",
        ...(tls
          ? {
              // The resource keeps the whole list as a secret (the key is in it).
              files: pulumi.all([tls.fullChainPem, tls.privateKeyPem]).apply(([chain, key]) => [
                { path: `${tlsDir}/fullchain.pem`, content: chain, mode: 0o644, uid: tls.uid ?? 0, gid: tls.gid ?? 0 },
                { path: `${tlsDir}/privkey.pem`, content: key, mode: 0o600, uid: tls.uid ?? 0, gid: tls.gid ?? 0 },
              ]),
              reload: tls.reload ?? "restart",
            }
          : {}),
        network: { name: args.networkName, ipv4Address: args.address, aliases: [args.hostname] },
        hostname: args.hostname,
        labels: { "bosun.service": args.name },
      },
      { parent: this, dependsOn: this.volumes },
    );
    this.container = new DockerContainer(childName, containerArgs, containerOpts);
    this.address = args.address;
    this.ports = ports.map((p) => `${p.external}/${p.protocol}`);
    this.registerOutputs({ containerId: this.container.containerId, address: this.address, ports: this.ports });
  }
}
