// Docker Engine API resources for bosun (the @pulumi/docker plugin cannot be
// built here). Thin classes over tiny serialized providers; implementations in
// *-impl.ts run in Pulumi's dynamic-provider process. The engine comes from
// stack config dockerEngine:host, else DOCKER_HOST.
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProvider, implPath } from "../../kit/index.ts";
import type { DockerContainerArgs, DockerNetworkArgs, DockerVolumeArgs, NetworkDriver } from "./types.ts";

export type * from "./types.ts";

const MODULE = "docker";
const networkProvider = dynamicProvider(implPath("./network-impl.ts", import.meta.url));
const volumeProvider = dynamicProvider(implPath("./volume-impl.ts", import.meta.url));
const containerProvider = dynamicProvider(implPath("./container-impl.ts", import.meta.url));

export class DockerNetwork extends DynamicResource {
  declare readonly networkId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly driver: pulumi.Output<NetworkDriver>;
  declare readonly subnet: pulumi.Output<string>;
  declare readonly gateway: pulumi.Output<string>;
  constructor(name: string, args: DockerNetworkArgs, opts?: pulumi.CustomResourceOptions) {
    super(networkProvider, name, { ...args, networkId: undefined }, opts, MODULE, "Network");
  }
}

export class DockerVolume extends DynamicResource {
  declare readonly volumeName: pulumi.Output<string>;
  constructor(name: string, args: DockerVolumeArgs, opts?: pulumi.CustomResourceOptions) {
    super(volumeProvider, name, { ...args, volumeName: undefined }, opts, MODULE, "Volume");
  }
}

export class DockerContainer extends DynamicResource {
  declare readonly containerId: pulumi.Output<string>;
  declare readonly imageId: pulumi.Output<string>;
  declare readonly state: pulumi.Output<string>;
  declare readonly ipAddress: pulumi.Output<string>;
  declare readonly memoryMb: pulumi.Output<number>;
  declare readonly filesSha256: pulumi.Output<string>;
  constructor(name: string, args: DockerContainerArgs, opts?: pulumi.CustomResourceOptions) {
    // File contents are keys: secret as inputs too, not only as outputs.
    const files = args.files === undefined ? undefined : pulumi.secret(args.files);
    super(
      containerProvider,
      name,
      { ...args, files, containerId: undefined, imageId: undefined, state: undefined, ipAddress: undefined, filesSha256: undefined },
      // Env and files may hold secrets: both are stored encrypted.
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["env", "files"] }),
      MODULE,
      "Container",
    );
  }
}
