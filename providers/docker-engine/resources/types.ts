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
  /**
   * Files written into the container (a TLS certificate chain and its key): before the first start on
   * create, in place (no new container) when they change, then `reload`. Stored in state as a secret;
   * contents never appear in errors or other outputs. Files dropped from the list stay in the container.
   * @default []
   * @example [{ path: "/etc/tls/server.key", content: keyPem, mode: 0o600 }]
   */
  files?: pulumi.Input<pulumi.Input<ContainerFile>[]>;
  /**
   * What tells the service that `files` changed on an existing container: a restart, a signal to its
   * main process (SIGHUP, SIGUSR1, SIGUSR2), or nothing. A change of `reload` alone reloads nothing.
   * @default "restart"
   */
  reload?: pulumi.Input<ContainerReload>;
}

export type ContainerReload = "restart" | "SIGHUP" | "SIGUSR1" | "SIGUSR2" | "none";

export interface ContainerFile {
  /** Absolute, normalized path in the container; missing directories are created (0755, root). */
  path: string;
  /** UTF-8 text (PEM); may be a secret. */
  content: string;
  /** Permission bits. @default 0o644 */
  mode?: number;
  /** @default 0 */
  uid?: number;
  /** @default 0 */
  gid?: number;
}

export interface DockerContainerOutputs {
  containerId: string;
  imageId: string;
  /** Engine state: running, exited, ... (read() reports the live one, so refresh shows drift). */
  state: string;
  /** Address on `network`, "" when none. */
  ipAddress: string;
  /**
   * SHA-256 over the managed files' paths, modes, owners and contents as they are live in the
   * container ("" when there are none); read() recomputes it, so refresh shows an edited or deleted file.
   */
  filesSha256: string;
}
