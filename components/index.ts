export { NetworkSegment, ruleInputs, type NetworkSegmentArgs, type DockerNetworkMode } from "./network-segment.ts";
export { ContainerService, type ContainerServiceArgs } from "./container-service.ts";
export { DnsRecord } from "./dns-record.ts";
export { GameServer, WebApp, DevEnvironment, type AppArgs, type DevEnvironmentArgs } from "./composites.ts";
