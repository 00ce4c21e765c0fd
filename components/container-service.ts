// One containerized service: its named volumes and the container, with memory
// and CPU limits, restart policy, environment (secret values as Pulumi
// secrets), ports and health check, on its segment's Docker network.
import * as pulumi from "@pulumi/pulumi";
import { DockerContainer, DockerVolume } from "../providers/docker-engine/resources/index.ts";
import type { ContainerArgs } from "../stacks/model/mapping.ts";

export interface ContainerServiceArgs {
  container: ContainerArgs;
  /** The segment's Docker network. */
  networkName: pulumi.Input<string>;
  /** Where published ports bind on the host (bridge mode); undefined = no publishing (macvlan: the container has its own address). */
  publishAddress?: string;
  /** Image substitutes for hosts without registry access: template image → local image. */
  localImages?: Record<string, string>;
  /** Engine-side names start with this (the stack name), so stacks on one host do not collide. */
  namePrefix: string;
}

export class ContainerService extends pulumi.ComponentResource {
  readonly container: DockerContainer;
  readonly volumes: DockerVolume[];
  readonly address: string;
  readonly ports: string[];

  constructor(name: string, args: ContainerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:ContainerService", name, {}, opts);
    const c = args.container;
    this.volumes = c.volumes
      .filter((v) => v.volumeName !== undefined)
      .map(
        (v) =>
          new DockerVolume(`${name}-${v.volumeName}`, { name: `${args.namePrefix}-${v.volumeName}`, labels: { "bosun.service": c.name } }, { parent: this }),
      );
    const secret = new Set(c.secretEnv);
    const env = Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, secret.has(k) ? pulumi.secret(v) : v]));
    this.container = new DockerContainer(
      `${name}-container`,
      {
        name: `${args.namePrefix}-${c.name}`,
        image: args.localImages?.[c.image] ?? c.image,
        env,
        memoryMb: c.memoryMb,
        cpus: c.cpus,
        ports:
          args.publishAddress === undefined
            ? []
            : c.ports.map((p) => ({ internal: p.internal, external: p.external, protocol: p.protocol, ip: args.publishAddress })),
        volumes: c.volumes.map((v) => (v.volumeName ? { ...v, volumeName: `${args.namePrefix}-${v.volumeName}` } : v)),
        ...(c.healthCheck ? { healthCheck: c.healthCheck } : {}),
        restart: c.restart,
        network: { name: args.networkName, ipv4Address: c.address, aliases: [c.hostname] },
        hostname: c.hostname,
        labels: { "bosun.service": c.name },
      },
      { parent: this, dependsOn: this.volumes },
    );
    this.address = c.address;
    this.ports = c.ports.map((p) => `${p.external}/${p.protocol}`);
    this.registerOutputs({ containerId: this.container.containerId, address: this.address, ports: this.ports });
  }
}
