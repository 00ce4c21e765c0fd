export { NetworkSegment, type NetworkSegmentArgs, type SegmentDhcpArgs, type SegmentRuleArgs, type DockerNetworkMode } from "./network-segment.ts";
export { ContainerService, type ContainerServiceArgs, type ServicePortArgs, type ServiceVolumeArgs } from "./container-service.ts";
export { DnsRecord, type DnsRecordArgs } from "./dns-record.ts";
export { GameServer, WebApp, type AppArgs, type ServiceRuleArgs } from "./composites.ts";
export { firewallRuleInputs, createRule, type RuleArgs } from "./firewall-rule.ts";
export { transformed, type Transform } from "./transform.ts";
export { ProxmoxGuest, type ProxmoxGuestArgs } from "./proxmox-guest.ts";
export { KubernetesApp, type KubernetesAppArgs, type KubernetesAppPort, validateKubernetesAppArgs } from "./kubernetes-app.ts";
export { DevEnvironment, type DevEnvironmentArgs } from "./dev-environment.ts";
