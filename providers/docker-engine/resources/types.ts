// The contract of bosun's Docker Engine dynamic resources: what components pass
// in and read back. The plugins for @pulumi/docker are not buildable here (their
// Go modules are not served), so these talk to the Engine API directly.
// Connection: stack config `dockerEngine:host` (unix:///path or tcp://host:port),
// else DOCKER_HOST, else unix:///var/run/docker.sock.
import type * as pulumi from "@pulumi/pulumi";

export type NetworkDriver = "bridge" | "macvlan" | "ipvlan";

export interface DockerNetworkArgs {
  /** Engine-side network name; identity (change = replace). */
  name: pulumi.Input<string>;
  /** @default "bridge". macvlan/ipvlan need `parent` (the host's VLAN interface). */
  driver?: pulumi.Input<NetworkDriver>;
  subnet?: pulumi.Input<string>;
  gateway?: pulumi.Input<string>;
  /** Host interface for macvlan/ipvlan, e.g. "eth0.20". */
  parent?: pulumi.Input<string>;
  internal?: pulumi.Input<boolean>;
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface DockerNetworkOutputs {
  networkId: string;
  name: string;
  driver: NetworkDriver;
  subnet: string;
  gateway: string;
}

export interface DockerVolumeArgs {
  name: pulumi.Input<string>;
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface ContainerPort {
  internal: number;
  external: number;
  protocol: "tcp" | "udp";
  /** Host address to publish on; omitted = all addresses. */
  ip?: string;
}

export interface ContainerVolume {
  volumeName?: string;
  hostPath?: string;
  containerPath: string;
  readOnly?: boolean;
}

export interface ContainerHealthCheck {
  /** Docker form: ["CMD", ...] or ["CMD-SHELL", "..."]. */
  test: string[];
  intervalSeconds: number;
  retries: number;
}

export interface DockerContainerArgs {
  /** Engine-side container name; identity (change = replace). */
  name: pulumi.Input<string>;
  image: pulumi.Input<string>;
  /** "missing" (default): pull only when the image is not present locally. */
  pull?: pulumi.Input<"missing" | "never" | "always">;
  /** May hold secrets; stored in state as a secret when any value is one. */
  env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  command?: pulumi.Input<pulumi.Input<string>[]>;
  memoryMb: pulumi.Input<number>;
  cpus?: pulumi.Input<number>;
  ports?: pulumi.Input<pulumi.Input<ContainerPort>[]>;
  volumes?: pulumi.Input<pulumi.Input<ContainerVolume>[]>;
  healthCheck?: pulumi.Input<ContainerHealthCheck>;
  restart?: pulumi.Input<"no" | "always" | "unless-stopped" | "on-failure">;
  /** The one network the container joins, with an optional static address. */
  network?: pulumi.Input<{ name: pulumi.Input<string>; ipv4Address?: pulumi.Input<string>; aliases?: pulumi.Input<string>[] }>;
  hostname?: pulumi.Input<string>;
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** How long create/update waits for "running" (and "healthy" when there is a health check). @default 60 */
  startTimeoutSeconds?: pulumi.Input<number>;
  /** Env names whose values are secrets: masked in the log lines a failed start reports. @default [] */
  secretEnv?: pulumi.Input<string[]>;
}

export interface DockerContainerOutputs {
  containerId: string;
  imageId: string;
  /** Engine state: running, exited, ... (read() reports the live one, so refresh shows drift). */
  state: string;
  /** Address on `network`, "" when none. */
  ipAddress: string;
}
