// bosun's dynamic-provider kit: what every provider under providers/ shares.
export { DynamicResource, dynamicProvider, handlerText, implPath, type DynamicProvider } from "./provider.ts";
export { UNKNOWN, checkWith, compact, containsUnknown, diffFields, userInputs } from "./check.ts";
export { apiCallReporter, endpointOf, type ApiCallEvent, type ApiCallReport } from "./calls.ts";
export { REPO_ROOT, stateDir, LOOPBACK, LOOPBACK_HOSTS, isLoopbackHost } from "./places.ts";
export type { CheckFailure, CheckResult, ConfigSource, DiffResult, EngineProvider, Props, ResourceImpl } from "./impl.ts";
