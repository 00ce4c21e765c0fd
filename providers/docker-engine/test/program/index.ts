// Test fixture program: declares bosun's Docker containers from config key
// `case` (JSON: resource name → DockerContainer args), so engine tests can
// create, update and refresh them through `pulumi up` without the spec layer.
import * as pulumi from "@pulumi/pulumi";
import { DockerContainer, type DockerContainerArgs } from "../../resources/index.ts";

const spec = new pulumi.Config().requireObject<Record<string, DockerContainerArgs>>("case");
const made = Object.entries(spec).map(([name, args]) => [name, new DockerContainer(name, args)] as const);

export const containers = pulumi.all(
  Object.fromEntries(made.map(([name, c]) => [name, pulumi.all({ id: c.containerId, state: c.state, filesSha256: c.filesSha256 })])),
);
