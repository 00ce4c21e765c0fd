// Public surface of the OPNsense client.
export { OpnsenseClient, RECONFIGURE_PATH, SYSTEM_INFORMATION, type Health, type HealthState } from "./client.ts";
export type { ConnectionConfig, ConnectionPath, ProbeResult, WriteHooks } from "./http.ts";
export { CallMetrics, type CallEvent } from "./metrics.ts";
export { ModelApi, type SearchParams, type SearchResult } from "./model.ts";
export { HAPROXY_MISSING, type HaproxyPlugin, type IdsGeneral } from "./modules.ts";
export * from "./errors.ts";
export * from "./options.ts";
export * from "./release.ts";
export type * from "./types.ts";
export { SUBSYSTEMS } from "./types.ts";
export { parseConfigXml, type XmlNode } from "./config-xml.ts";
export { CONFIG_SECTIONS, diffConfigSections, sectionLines, servicesFor, type SectionChange } from "./config-sections.ts";
